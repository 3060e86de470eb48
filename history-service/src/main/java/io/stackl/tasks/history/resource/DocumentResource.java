package io.stackl.tasks.history.resource;

import io.stackl.tasks.kit.internal.CalledBy;
import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.history.service.DocumentService;
import io.stackl.tasks.history.service.HistoryQueries;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;

/**
 * Documents: read by the gateway (and by workers, one document at a time, for their read-modify-write); written only
 * by workers on behalf of a dispatched task, with its fencing token (the write is snapshotted first). All changes by
 * producers go through tasks (the gateway exposes reads only).
 */
@Path("/documents")
@Produces(MediaType.APPLICATION_JSON)
@CalledBy("gateway")
public class DocumentResource {

    private final DocumentService documents;
    private final HistoryQueries queries;

    DocumentResource(DocumentService documents, HistoryQueries queries) {
        this.documents = documents;
        this.queries = queries;
    }

    /**
     * A fenced write: {@code {"taskId": "...", "fencingToken": 1, "executionId": "...", "value": {...}}}.
     * {@code executionId} names the worker's run of the work item; optional, but without it a second run of the
     * same attempt (a redelivered work item) cannot be refused.
     */
    public record WriteRequest(String taskId, Long fencingToken, String executionId, JsonNode value) {}

    @GET
    public List<DocumentView> list(@QueryParam("prefix") @DefaultValue("") String prefix,
            @QueryParam("after") String after, @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return documents.list(prefix, after, limit).stream().map(DocumentView::of).toList();
    }

    @GET
    @Path("/{key: .+}")
    @CalledBy({"gateway", "worker"})
    public DocumentView get(@PathParam("key") String key) {
        return DocumentView.of(documents.get(key));
    }

    @PUT
    @Path("/{key: .+}")
    @CalledBy("worker")
    public DocumentService.WriteResult put(@PathParam("key") String key, WriteRequest request) {
        if (request == null || request.taskId() == null || request.fencingToken() == null || request.value() == null
                || request.value().isMissingNode()) {
            throw HistoryException.badRequest("a write needs taskId, fencingToken and value");
        }
        return documents.put(key, request.taskId(), request.fencingToken(), request.executionId(),
                request.value().toString());
    }

    @DELETE
    @Path("/{key: .+}")
    @CalledBy("worker")
    public DocumentService.WriteResult delete(@PathParam("key") String key, @QueryParam("taskId") String taskId,
            @QueryParam("fencingToken") Long fencingToken, @QueryParam("executionId") String executionId) {
        if (taskId == null || fencingToken == null) {
            throw HistoryException.badRequest("a delete needs the taskId and fencingToken query parameters");
        }
        return documents.delete(key, taskId, fencingToken, executionId);
    }

    /** The snapshots taken of one document, newest first: its history of changes by tasks. */
    @GET
    @Path("/-/snapshots")
    public List<Map<String, Object>> snapshots(@QueryParam("key") String key,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        if (key == null) {
            throw HistoryException.badRequest("the key query parameter is required");
        }
        return queries.snapshotsOfDocument(key, limit);
    }
}

package io.stackl.tasks.history.resource;

import io.stackl.tasks.kit.internal.CalledBy;
import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.history.service.DocumentService;
import io.stackl.tasks.history.service.HistoryQueries;
import io.stackl.tasks.schema.TaskStates;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Task history: timelines, results, listings; and the external undo records workers write before acting. */
@Path("/tasks")
@Produces(MediaType.APPLICATION_JSON)
@CalledBy("gateway")
public class TaskHistoryResource {

    private final HistoryQueries queries;
    private final DocumentService documents;

    TaskHistoryResource(HistoryQueries queries, DocumentService documents) {
        this.queries = queries;
        this.documents = documents;
    }

    public record UndoRequest(Long fencingToken, String executionId, String handlerTopic, String handlerSubtype,
            JsonNode undo) {}

    /**
     * Several fenced writes of one task, made in one transaction: {@code {"fencingToken", "executionId", "changes":
     * [{"key", "value"} or {"key", "delete": true}, ...]}}.
     */
    public record WritesRequest(Long fencingToken, String executionId, List<ChangeRequest> changes) {}

    public record ChangeRequest(String key, JsonNode value, Boolean delete) {}

    @GET
    @Path("/{taskId}")
    public Map<String, Object> task(@PathParam("taskId") String taskId) {
        return queries.task(taskId);
    }

    @GET
    public List<Map<String, Object>> tasks(@QueryParam("state") String state, @QueryParam("topic") String topic,
            @QueryParam("source") String source, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("before") String before,
            @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(500) int limit) {
        requireState(state);
        return queries.tasks(new HistoryQueries.TaskFilter(state, topic, source, instant("from", from),
                instant("to", to)), instant("before", before), limit);
    }

    /** How many tasks are in each state, under the same filters as the listing (without paging). */
    @GET
    @Path("/-/counts")
    public Map<String, Long> counts(@QueryParam("state") String state, @QueryParam("topic") String topic,
            @QueryParam("source") String source, @QueryParam("from") String from, @QueryParam("to") String to) {
        requireState(state);
        return queries.counts(new HistoryQueries.TaskFilter(state, topic, source, instant("from", from),
                instant("to", to)));
    }

    private static void requireState(String state) {
        if (state != null && !TaskStates.NAMES.contains(state)) {
            // A misspelt state would otherwise match no row: an empty page that looks like an answer.
            throw HistoryException.badRequest("state must be one of " + TaskStates.NAMES + ", was " + state);
        }
    }

    @GET
    @Path("/{taskId}/snapshots")
    public List<Map<String, Object>> snapshots(@PathParam("taskId") String taskId) {
        return queries.snapshotsOfTask(taskId);
    }

    /** Records what undoes an external action, before the handler does it. */
    @POST
    @Path("/{taskId}/undo-records")
    @CalledBy("worker")
    public Map<String, Object> recordUndo(@PathParam("taskId") String taskId, UndoRequest request) {
        if (request == null || request.fencingToken() == null || request.handlerTopic() == null
                || request.handlerSubtype() == null || request.undo() == null) {
            throw HistoryException.badRequest("an undo record needs fencingToken, handlerTopic, handlerSubtype, undo");
        }
        int seq = documents.recordUndo(taskId, request.fencingToken(), request.executionId(), request.handlerTopic(),
                request.handlerSubtype(), request.undo().toString());
        return Map.of("taskId", taskId, "sequence", seq);
    }

    /**
     * The task's document changes, in order, all or none: each snapshotted and fenced as a {@code PUT} or
     * {@code DELETE} on {@code /documents/{key}} would be, but in one call and one database transaction.
     */
    @POST
    @Path("/{taskId}/document-writes")
    @CalledBy("worker")
    public Map<String, Object> writeDocuments(@PathParam("taskId") String taskId, WritesRequest request) {
        if (request == null || request.fencingToken() == null || request.changes() == null) {
            throw HistoryException.badRequest("document writes need fencingToken and changes");
        }
        List<DocumentService.Change> changes = new ArrayList<>(request.changes().size());
        for (ChangeRequest change : request.changes()) {
            boolean delete = Boolean.TRUE.equals(change == null ? null : change.delete());
            if (change == null || change.key() == null
                    || delete == (change.value() != null && !change.value().isMissingNode())) {
                throw HistoryException.badRequest("each change needs a key and either a value or \"delete\": true");
            }
            changes.add(new DocumentService.Change(change.key(), delete ? null : change.value().toString()));
        }
        return Map.of("taskId", taskId, "results",
                documents.writeAll(taskId, request.fencingToken(), request.executionId(), changes));
    }

    private static Instant instant(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw HistoryException.badRequest(name + " must be an ISO-8601 instant, e.g. 2026-01-01T00:00:00Z");
        }
    }
}

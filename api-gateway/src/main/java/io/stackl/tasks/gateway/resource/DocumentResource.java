package io.stackl.tasks.gateway.resource;

import io.stackl.tasks.gateway.service.TaskService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import io.stackl.tasks.gateway.resource.api.ApiSchemas;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Document reads, from the history service. Every change goes through a task (topic {@code document}). */
@Path("/documents")
@Produces(MediaType.APPLICATION_JSON)
public class DocumentResource {

    private final TaskService tasks;

    DocumentResource(TaskService tasks) {
        this.tasks = tasks;
    }

    @GET
    @Operation(summary = "Documents by key prefix, in key order; page with `after`")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = ApiSchemas.Document.class)))
    @APIResponse(responseCode = "400", description = "/problems/invalid-request: limit out of 1 to 1000",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    // The parameters are declared for the OpenAPI document; the query is passed on to the history service as it is.
    public CompletionStage<Response> list(@Context UriInfo uri,
            @Parameter(description = "key prefix; empty for all") @QueryParam("prefix") String prefix,
            @Parameter(description = "start after this key") @QueryParam("after") String after,
            @Parameter(description = "1 to 1000, default 100") @QueryParam("limit") String limit) {
        return forward(uri);
    }

    @GET
    @Path("/{key: .+}")
    @Operation(summary = "One document, or (`/-/snapshots?key=&limit=`) its history: the snapshot taken before each"
            + " task's write, newest first")
    @APIResponse(responseCode = "200", description = "A Document; for /-/snapshots an array of DocumentSnapshot",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(oneOf = {
                    ApiSchemas.Document.class, ApiSchemas.Snapshot[].class})))
    @APIResponse(responseCode = "404", description = "/problems/document-not-found: no such document",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> get(@Context UriInfo uri) {
        return forward(uri);
    }

    private CompletionStage<Response> forward(UriInfo uri) {
        return tasks.history(TaskResource.pathAndQuery(uri)).thenApply(TaskResource::passOn);
    }
}

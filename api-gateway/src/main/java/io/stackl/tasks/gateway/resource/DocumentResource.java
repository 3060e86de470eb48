package io.stackl.tasks.gateway.resource;

import io.stackl.tasks.gateway.service.TaskService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** Document reads, from the history service. Every change goes through a task (topic {@code document}). */
@Path("/documents")
@Produces(MediaType.APPLICATION_JSON)
public class DocumentResource {

    private final TaskService tasks;

    DocumentResource(TaskService tasks) {
        this.tasks = tasks;
    }

    @GET
    @Operation(summary = "Documents by key prefix")
    public CompletionStage<Response> list(@Context UriInfo uri) {
        return forward(uri);
    }

    @GET
    @Path("/{key: .+}")
    @Operation(summary = "One document, or (`/-/snapshots?key=`) its history of snapshots")
    public CompletionStage<Response> get(@Context UriInfo uri) {
        return forward(uri);
    }

    private CompletionStage<Response> forward(UriInfo uri) {
        String query = uri.getRequestUri().getRawQuery();
        return tasks.history(uri.getRequestUri().getRawPath() + (query == null ? "" : "?" + query))
                .thenApply(TaskResource::passOn);
    }
}

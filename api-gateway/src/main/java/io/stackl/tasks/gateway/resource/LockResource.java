package io.stackl.tasks.gateway.resource;

import io.stackl.tasks.gateway.resource.api.ApiSchemas;
import io.stackl.tasks.gateway.service.TaskService;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Document locks, live from the broker's lock store: who holds a key, who waits behind it, since when. */
@Path("/locks")
@Produces(MediaType.APPLICATION_JSON)
public class LockResource {

    private final TaskService tasks;

    LockResource(TaskService tasks) {
        this.tasks = tasks;
    }

    @GET
    @Operation(summary = "Held keys, those whose first waiter has waited longest first, then the longest held")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = ApiSchemas.Lock.class)))
    @APIResponse(responseCode = "400", description = "/problems/invalid-request: limit out of 1 to 500",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> list(@Context UriInfo uri,
            @Parameter(description = "1 to 500, default 50") @QueryParam("limit") String limit) {
        return tasks.broker(TaskResource.pathAndQuery(uri)).thenApply(TaskResource::passOn);
    }

    @GET
    @Path("/{key: .+}")
    @Operation(summary = "One key's lock: its holder and its queue (a free key has neither)")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiSchemas.Lock.class)))
    @APIResponse(responseCode = "503", description = "/problems/task-state-unavailable: the broker is rebalancing",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> get(@PathParam("key") String key, @Context UriInfo uri) {
        return tasks.broker(uri.getRequestUri().getRawPath()).thenApply(TaskResource::passOn);
    }
}

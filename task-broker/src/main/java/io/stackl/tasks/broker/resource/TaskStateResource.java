package io.stackl.tasks.broker.resource;

import io.stackl.tasks.broker.query.TaskStateQuery;
import io.stackl.tasks.broker.query.TaskStateQuery.Answer;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Live task state: {@code GET /tasks/{id}} on any broker instance. 503 with Retry-After while it cannot answer. */
@Path("/tasks")
public class TaskStateResource {

    private final TaskStateQuery query;

    TaskStateResource(TaskStateQuery query) {
        this.query = query;
    }

    @GET
    @Path("/{taskId}")
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> get(@PathParam("taskId") String taskId,
            @QueryParam("local") @DefaultValue("false") boolean local, @Context UriInfo uri) {
        return query.find(taskId, local).thenApply(answer -> toResponse(answer, taskId, uri.getPath()));
    }

    private static Response toResponse(Answer answer, String taskId, String path) {
        if (answer instanceof Answer.Found found) {
            return Response.ok(found.task()).build();
        }
        if (answer instanceof Answer.Remote remote) {
            return Response.status(remote.status()).entity(remote.body())
                    .type(remote.status() == 200 ? MediaType.APPLICATION_JSON : Problem.MEDIA_TYPE).build();
        }
        if (answer instanceof Answer.NotFound) {
            return Problem.response(404, "/problems/task-not-found", "Task not found",
                    "The broker holds no task " + taskId + " (unknown, or ended and purged; ask the history service)",
                    path, Map.of("taskId", taskId)).build();
        }
        Answer.Unavailable unavailable = (Answer.Unavailable) answer;
        return Problem.response(503, "/problems/task-state-unavailable", "Task state temporarily unavailable",
                unavailable.why(), path, Map.of("taskId", taskId)).header("Retry-After", "1").build();
    }
}

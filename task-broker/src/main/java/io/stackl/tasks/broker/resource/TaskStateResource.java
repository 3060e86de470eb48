package io.stackl.tasks.broker.resource;

import io.stackl.tasks.kit.internal.CalledBy;
import io.stackl.tasks.broker.query.TaskStateQuery;
import io.stackl.tasks.broker.query.StoreQueries;
import io.stackl.tasks.broker.query.TaskView;
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
@CalledBy({"gateway", "peer"})
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

    private static Response toResponse(StoreQueries.Answer<TaskView> answer, String taskId, String path) {
        return Answers.toResponse(answer, () -> Problem.response(404, "/problems/task-not-found", "Task not found",
                "The broker holds no task " + taskId + " (unknown, or ended and purged; ask the history service)",
                path, Map.of("taskId", taskId)).build(), "Task state temporarily unavailable", path,
                Map.of("taskId", taskId));
    }
}

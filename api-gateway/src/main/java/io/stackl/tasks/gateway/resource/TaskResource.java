package io.stackl.tasks.gateway.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.stackl.tasks.gateway.error.GatewayException;
import io.stackl.tasks.gateway.query.Backends;
import io.stackl.tasks.gateway.security.Caller;
import io.stackl.tasks.gateway.security.Permissions;
import io.stackl.tasks.gateway.service.SubmitRequest;
import io.stackl.tasks.gateway.service.TaskService;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import io.stackl.tasks.gateway.resource.api.ApiSchemas;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** The producers' door: submit, read, list and cancel tasks; follow one as Server-Sent Events. */
@Path("/tasks")
@Produces(MediaType.APPLICATION_JSON)
public class TaskResource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_WAIT_SECONDS = 3600;

    private final TaskService tasks;
    private final Permissions permissions;

    TaskResource(TaskService tasks, Permissions permissions) {
        this.tasks = tasks;
        this.permissions = permissions;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Submit a task", description = "Waits up to `wait` seconds (bounded by the gateway's maximum"
            + " and the task's timeouts) for the task to end: 200 with the outcome, or 202 with its Location.")
    @APIResponse(responseCode = "200", description = "The task ended within the wait",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiSchemas.Outcome.class)))
    @APIResponse(responseCode = "202", description = "Accepted; still running when the wait ended (Location: the task)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiSchemas.Outcome.class)))
    @APIResponse(responseCode = "303", description = "The Idempotency-Key was used before: the first task (Location)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiSchemas.Outcome.class)))
    @APIResponse(responseCode = "400", description = "/problems/invalid-task (a field, named in `field` and `errors`);"
            + " /problems/invalid-request (not JSON, or JSON of the wrong shape)", content = @Content(
                    mediaType = "application/problem+json", schema = @Schema(implementation = ApiSchemas.Problem.class),
                    examples = @ExampleObject(name = "timeout over the maximum", value = "{\"type\":"
                            + "\"/problems/invalid-task\",\"title\":\"Invalid task\",\"status\":400,\"detail\":"
                            + "\"timeoutMs must be at most 86400000 ms, was 99999999999999999\","
                            + "\"instance\":\"/tasks\","
                            + "\"field\":\"timeoutMs\",\"errors\":[{\"field\":\"timeoutMs\",\"message\":"
                            + "\"must be at most 86400000 ms, was 99999999999999999\"}]}")))
    @APIResponse(responseCode = "401", description = "/problems/unauthorized: no or a wrong API key",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "403", description = "/problems/forbidden: the client may not submit to this topic",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "413", description = "/problems/body-too-large",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "503", description = "/problems/temporarily-unavailable: Kafka did not acknowledge the"
            + " task in time; retry after Retry-After with the same Idempotency-Key (a first try that did land answers"
            + " the retry)",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> submit(@Valid @NotNull SubmitRequest body,
            @QueryParam("wait") @DefaultValue("0") String waitSeconds,
            @HeaderParam("Idempotency-Key") String idempotencyKey, @Context ContainerRequestContext request) {
        Duration wait = Duration.ofMillis((long) (seconds(waitSeconds) * 1000));
        String source = permissions.requireSubmit(permissions.caller(request), body.topic());
        return tasks.submit(body, idempotencyKey, wait, source).thenApply(submitted -> {
            TaskEvent end = submitted.terminal();
            if (end != null && end.getState() == TaskState.REJECTED && end.getRelatedTaskId() != null
                    && end.getRejectionCode() == RejectionCode.DUPLICATE) {
                // A repeated Idempotency-Key: the answer is the first task.
                return Response.status(Response.Status.SEE_OTHER).header("Location", "/tasks/" + end.getRelatedTaskId())
                        .entity(outcome(end.getRelatedTaskId(), null, "DUPLICATE")).build();
            }
            if (end != null) {
                return Response.ok(outcome(submitted.taskId(), end, end.getState().toString())).build();
            }
            // A relative Location (RFC 9110), set as a header: the request context that .location() would resolve
            // against is gone by the time the task ends or the wait does.
            return Response.accepted(outcome(submitted.taskId(), null, submitted.lastState() == null ? "ACCEPTED"
                    : submitted.lastState().toString())).header("Location", "/tasks/" + submitted.taskId()).build();
        });
    }

    /**
     * {@code ?wait=} in seconds, 0 to 3600. Taken as text: a parameter that JAX-RS cannot convert is answered 404, as
     * if the resource did not exist, where a client needs a 400 naming the parameter.
     */
    static double seconds(String wait) {
        try {
            double seconds = Double.parseDouble(wait.strip());
            if (seconds >= 0 && seconds <= MAX_WAIT_SECONDS) {
                return seconds;
            }
        } catch (NumberFormatException notANumber) {
            // Refused below, as a value out of range is.
        }
        String message = "must be a number of seconds from 0 to " + MAX_WAIT_SECONDS + ", was " + wait;
        throw GatewayException.invalid("wait " + message,
                Map.of("field", "wait", "errors", List.of(Map.of("field", "wait", "message", message))));
    }

    @GET
    @Path("/{taskId}")
    @Operation(summary = "A task's state and timeline")
    @APIResponse(responseCode = "200", description = "Live from the broker, else from the history",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiSchemas.Task.class)))
    @APIResponse(responseCode = "404", description = "/problems/task-not-found",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "503", description = "/problems/task-state-unavailable: the broker is rebalancing",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> get(@PathParam("taskId") String taskId, @Context ContainerRequestContext request) {
        Caller caller = permissions.caller(request);
        return tasks.find(taskId).thenApply(answer -> passOn(withoutPayloadsFor(caller, answer)));
    }

    /** A task's arguments only for a client that may submit tasks of its topic (ADR 0014). */
    private Backends.Answer withoutPayloadsFor(Caller caller, Backends.Answer answer) {
        if (answer.status() != 200 || !answer.body().contains("\"arguments\"")) {
            return answer;
        }
        JsonNode task = TaskService.parse(answer.body());
        if (task instanceof ObjectNode object && object.hasNonNull("arguments")
                && !permissions.mayReadPayloadsOf(caller, object.path("topic").asText())) {
            object.putNull("arguments");
            return new Backends.Answer(answer.status(), answer.contentType(), object.toString());
        }
        return answer;
    }

    @GET
    @Path("/{taskId}/result")
    @Operation(summary = "A task's result, once it has ended")
    @APIResponse(responseCode = "200", description = "It ended",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiSchemas.Outcome.class)))
    @APIResponse(responseCode = "404", description = "/problems/task-not-found",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "409", description = "/problems/result-not-ready: it is still running (`state` says"
            + " where)",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> result(@PathParam("taskId") String taskId, @Context UriInfo uri) {
        return tasks.result(taskId).thenApply(TaskResource::passOn);
    }

    @GET
    @Path("/{taskId}/snapshots")
    @Operation(summary = "Every write the task made, in order: each document before and after it (a diff), and"
            + " whether a rollback put the before back; and its undo records")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = ApiSchemas.Snapshot.class)))
    public CompletionStage<Response> snapshots(@PathParam("taskId") String taskId) {
        return tasks.history("/tasks/" + TaskService.encode(taskId) + "/snapshots").thenApply(TaskResource::passOn);
    }

    @GET
    @Path("/-/counts")
    @Operation(summary = "How many tasks are in each state, under the filters of the listing")
    @APIResponse(responseCode = "200", description = "A state → count object; states without tasks are left out",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.OBJECT, additionalProperties = Long.class)))
    public CompletionStage<Response> counts(@Context UriInfo uri,
            @Parameter(description = "a task state") @QueryParam("state") String state,
            @Parameter(description = "a task topic") @QueryParam("topic") String topic,
            @Parameter(description = "a task source (the client that submitted it)") @QueryParam("source")
            String source,
            @Parameter(description = "changed at or after (ISO-8601)") @QueryParam("from") String from,
            @Parameter(description = "changed before (ISO-8601)") @QueryParam("to") String to) {
        return tasks.history(pathAndQuery(uri)).thenApply(TaskResource::passOn);
    }

    @GET
    @Operation(summary = "Tasks by state, topic and time, newest first; page with `before`")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = ApiSchemas.Summary.class)))
    @APIResponse(responseCode = "400", description = "/problems/invalid-request: a state that is not one, a time"
            + " that is not ISO-8601, a limit out of 1 to 500",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    // The parameters are declared for the OpenAPI document; the query is passed on to the history service as it is.
    public CompletionStage<Response> list(@Context UriInfo uri,
            @Parameter(description = "a task state, e.g. ROLLED_BACK") @QueryParam("state") String state,
            @Parameter(description = "a task topic") @QueryParam("topic") String topic,
            @Parameter(description = "a task source (the client that submitted it)") @QueryParam("source")
            String source,
            @Parameter(description = "changed at or after (ISO-8601)") @QueryParam("from") String from,
            @Parameter(description = "changed before (ISO-8601)") @QueryParam("to") String to,
            @Parameter(description = "the updatedAt of the last row of the previous page") @QueryParam("before")
            String before,
            @Parameter(description = "1 to 500, default 50") @QueryParam("limit") String limit) {
        return tasks.history(pathAndQuery(uri)).thenApply(TaskResource::passOn);
    }

    @DELETE
    @Path("/{taskId}")
    @Blocking
    @Operation(summary = "Cancel a task; it is rolled back")
    @APIResponse(responseCode = "202", description = "A cancel command is on its way; the task ends ROLLED_BACK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = ApiSchemas.CancelRequested.class)))
    @APIResponse(responseCode = "404", description = "/problems/task-not-found",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "403", description = "/problems/forbidden: the caller may not submit tasks of the task's"
            + " topic, so it may not cancel it either", content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public CompletionStage<Response> cancel(@PathParam("taskId") String taskId,
            @QueryParam("reason") String reason, @Context ContainerRequestContext request) {
        Caller caller = permissions.caller(request);
        return tasks.find(taskId).thenCompose(found -> {
                    // Only a caller that may submit tasks of its topic may cancel one.
                    JsonNode task = found.status() == 200 ? TaskService.parse(found.body()) : null;
                    if (task != null && task.hasNonNull("topic")) {
                        permissions.requireSubmit(caller, task.path("topic").asText());
                    }
                    return tasks.cancel(taskId, reason, caller.name());
                })
                .thenApply(ok -> Response.accepted(JSON.createObjectNode().put("taskId", taskId)
                        .put("cancel", "requested")).header("Location", "/tasks/" + taskId).build());
    }

    @GET
    @Path("/{taskId}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "The task's lifecycle events as Server-Sent Events, until its terminal state")
    @APIResponse(responseCode = "200", description = "One event per state change; for a task that had already ended,"
            + " one event with its terminal state", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
                    schema = @Schema(implementation = ApiSchemas.Event.class)))
    public Multi<String> events(@PathParam("taskId") String taskId) {
        return Multi.createFrom().emitter(emitter -> {
            AutoCloseable listening = tasks.listen(taskId, event -> {
                emitter.emit(EventJson.of(event));
                if (TaskStates.isTerminal(event.getState())) {
                    emitter.complete();
                }
            });
            emitter.onTermination(() -> {
                try {
                    listening.close();
                } catch (Exception ignored) {
                    // Nothing to do.
                }
            });
            // A task that ended before the stream opened: say so and end.
            tasks.endedState(taskId).whenComplete((ended, error) -> {
                if (error != null) {
                    emitter.fail(error.getCause() != null ? error.getCause() : error);
                    return;
                }
                if (ended != null) {
                    emitter.emit(JSON.createObjectNode().put("taskId", taskId).put("state", ended).toString());
                    emitter.complete();
                }
            });
        });
    }

    private static ObjectNode outcome(String taskId, TaskEvent end, String state) {
        ObjectNode body = JSON.createObjectNode().put("taskId", taskId).put("state", state)
                .put("location", "/tasks/" + taskId);
        if (end != null) {
            body.set("output", TaskService.parse(end.getOutputJson()));
            if (end.getFailure() != null) {
                body.putObject("failure").put("code", end.getFailure().getCode())
                        .put("message", end.getFailure().getMessage()).put("retryable", end.getFailure().getRetryable());
            }
            body.put("reason", end.getReason());
            body.put("rejectionCode", end.getRejectionCode() == null ? null : end.getRejectionCode().name());
            body.put("relatedTaskId", end.getRelatedTaskId());
        }
        return body;
    }

    /** The request's path and query as the client sent them (still encoded): what a pass-through asks a backend. */
    static String pathAndQuery(UriInfo uri) {
        String query = uri.getRequestUri().getRawQuery();
        return uri.getRequestUri().getRawPath() + (query == null ? "" : "?" + query);
    }

    static Response passOn(Backends.Answer answer) {
        return Response.status(answer.status()).type(answer.contentType()).entity(answer.body()).build();
    }
}

package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a task ended.
 *
 * @param state one of the terminal states ({@link TaskState#isTerminal()})
 * @param output what the task returned, on {@link TaskState#SUCCEEDED}; null otherwise
 * @param failure the failure that made it roll back, if one did
 * @param reason why it ended so, in words (a rejection, a timeout, a cancellation)
 * @param rejectionCode on {@link TaskState#REJECTED}, the code to branch on ({@code UNKNOWN_TOPIC}, {@code DUPLICATE},
 *     ...) when the gateway says it; null otherwise
 * @param relatedTaskId on a {@code DUPLICATE}, the first task submitted with that idempotency key
 */
public record TaskOutcome(String taskId, TaskState state, JsonNode output, Failure failure, String reason,
        String rejectionCode, String relatedTaskId) {

    /** A repeat of an idempotency key: the task that key started first is {@link #relatedTaskId}. */
    public boolean duplicate() {
        return state == TaskState.REJECTED && "DUPLICATE".equals(rejectionCode) && relatedTaskId != null;
    }

    public boolean succeeded() {
        return state == TaskState.SUCCEEDED;
    }

    static TaskOutcome of(JsonNode body) {
        JsonNode output = body.get("output");
        return new TaskOutcome(Json.text(body, "taskId"), TaskState.of(Json.text(body, "state")),
                output == null || output.isNull() ? null : output, Failure.of(body.get("failure")),
                Json.text(body, "reason"), Json.text(body, "rejectionCode"), Json.text(body, "relatedTaskId"));
    }
}

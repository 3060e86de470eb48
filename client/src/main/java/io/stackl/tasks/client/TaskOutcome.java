package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a task ended.
 *
 * @param state one of the terminal states ({@link TaskState#isTerminal()})
 * @param output what the task returned, on {@link TaskState#SUCCEEDED}; null otherwise
 * @param failure the failure that made it roll back, if one did
 * @param reason why it ended so, in words (a rejection, a timeout, a cancellation)
 */
public record TaskOutcome(String taskId, TaskState state, JsonNode output, Failure failure, String reason) {

    public boolean succeeded() {
        return state == TaskState.SUCCEEDED;
    }

    static TaskOutcome of(JsonNode body) {
        JsonNode output = body.get("output");
        return new TaskOutcome(Json.text(body, "taskId"), TaskState.of(Json.text(body, "state")),
                output == null || output.isNull() ? null : output, Failure.of(body.get("failure")),
                Json.text(body, "reason"));
    }
}

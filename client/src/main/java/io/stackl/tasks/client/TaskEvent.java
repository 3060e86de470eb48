package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One step of a task's lifecycle, as {@code GET /tasks/{id}/events} and {@code GET /events} stream them.
 *
 * @param sequence 1 for a task's first event, one more for each next; 0 when the server did not say (the single
 *     event sent for a task that had already ended when the stream opened)
 * @param rejectionCode on REJECTED, the code ({@code DUPLICATE}, {@code UNKNOWN_TOPIC}, ...) when the server says it
 * @param relatedTaskId on a DUPLICATE, the first task with that idempotency key
 * @param json the event as the server sent it, with any fields this version does not model
 */
public record TaskEvent(String taskId, int sequence, TaskState state, Instant occurredAt, String topic,
        String subtype, String source, int attempt, String reason, JsonNode output, Failure failure,
        String rejectionCode, String relatedTaskId, JsonNode json) {

    /** This event as the event of {@code id} (the recorded timeline of a task does not repeat its id per event). */
    TaskEvent withTaskId(String id) {
        return taskId != null ? this : new TaskEvent(id, sequence, state, occurredAt, topic, subtype, source, attempt,
                reason, output, failure, rejectionCode, relatedTaskId, json);
    }

    /** A repeat of an idempotency key, rejected in favour of {@link #relatedTaskId}. */
    public boolean duplicate() {
        return state == TaskState.REJECTED && "DUPLICATE".equals(rejectionCode) && relatedTaskId != null;
    }

    static TaskEvent of(JsonNode node) {
        JsonNode output = node.get("output");
        return new TaskEvent(Json.text(node, "taskId"), node.path("sequence").asInt(0),
                TaskState.of(Json.text(node, "state")), Json.instant(node, "occurredAt"), Json.text(node, "topic"),
                Json.text(node, "subtype"), Json.text(node, "source"), node.path("attempt").asInt(0),
                Json.text(node, "reason"), output == null || output.isNull() ? null : output,
                Failure.of(node.get("failure")), Json.text(node, "rejectionCode"), Json.text(node, "relatedTaskId"),
                node);
    }
}

package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A task as {@code GET /tasks/{id}} answers it: its state, what it is, and the events recorded so far.
 *
 * @param updatedAt when it last changed state (from a listing or the history); null while only the broker knows it
 * @param events its lifecycle events in order, as far as the history service has recorded them (empty in a listing)
 * @param json the whole answer, with its attempts, locks, deadlines and rollback
 */
public record Task(String taskId, TaskState state, String topic, String subtype, String source, Instant updatedAt,
        List<TaskEvent> events, JsonNode json) {

    static Task of(JsonNode node) {
        String taskId = Json.text(node, "taskId");
        List<TaskEvent> events = new ArrayList<>();
        for (JsonNode event : node.path("events")) {
            events.add(TaskEvent.of(event).withTaskId(taskId));
        }
        Instant updated = Json.instant(node, "updatedAt");
        return new Task(taskId, TaskState.of(Json.text(node, "state")), Json.text(node, "topic"),
                Json.text(node, "subtype"), Json.text(node, "source"),
                updated != null ? updated : Json.instant(node, "finishedAt"), List.copyOf(events), node);
    }
}

package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One change of a document by a task, from the snapshot taken before it wrote: the document's history.
 *
 * @param previousValue the value before the task wrote; null if the document did not exist
 * @param previousVersion its version then; null if it did not exist
 * @param restoredAt when a rollback put {@code previousValue} back; null if the change stood
 */
public record DocumentChange(String taskId, String key, JsonNode previousValue, Long previousVersion,
        long fencingToken, Instant takenAt, Instant restoredAt) {

    static DocumentChange of(JsonNode node) {
        JsonNode previous = node.get("preValue");
        return new DocumentChange(Json.text(node, "taskId"), Json.text(node, "documentKey"),
                previous == null || previous.isNull() ? null : previous,
                node.hasNonNull("preVersion") ? node.get("preVersion").asLong() : null,
                node.path("fencingToken").asLong(), Json.instant(node, "takenAt"), Json.instant(node, "restoredAt"));
    }
}

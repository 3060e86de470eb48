package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A document's current value.
 *
 * @param version one more with every task that changed it
 * @param updatedBy the task that wrote this version
 */
public record Document(String key, JsonNode value, long version, Instant updatedAt, String updatedBy) {

    static Document of(JsonNode node) {
        JsonNode value = node.get("value");
        if (value == null && node.hasNonNull("valueJson")) {
            // A gateway before `value` (ADR 0013) sent the JSON as a string.
            value = Json.parse(node.get("valueJson").asText());
        }
        return new Document(Json.text(node, "key"), value, node.path("version").asLong(),
                Json.instant(node, "updatedAt"), Json.text(node, "updatedBy"));
    }
}

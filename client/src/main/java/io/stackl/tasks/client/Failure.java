package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Why an attempt failed, as the worker or the broker reported it.
 *
 * @param code a code to branch on ({@code HTTP_503}, {@code REQUESTED_FAILURE}, ...)
 * @param message the sentence for people
 * @param retryable whether the worker said another attempt might succeed; null when not said
 */
public record Failure(String code, String message, Boolean retryable) {

    static Failure of(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return new Failure(Json.text(node, "code"), Json.text(node, "message"),
                node.hasNonNull("retryable") ? node.get("retryable").asBoolean() : null);
    }
}

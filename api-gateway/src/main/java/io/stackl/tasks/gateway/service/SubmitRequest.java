package io.stackl.tasks.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /tasks}.
 *
 * @param includedDocuments key → the value the producer saw (the task carries it to the worker)
 * @param retryPolicy how often the task is tried (ADR 0012); absent: the broker's default for the topic
 * @param changedDocumentKeys the keys the task will change; the broker locks them all or none. Each key follows the
 *     document-key rule of {@code ContentRules} (checked in {@code TaskService}, with a message that names the key)
 */
public record SubmitRequest(
        @NotBlank @Pattern(regexp = "[a-zA-Z0-9_-]{1,200}", message = "letters, digits, '_' and '-', at most 200")
        String topic,
        @NotBlank String subtype,
        JsonNode arguments,
        Map<String, JsonNode> includedDocuments,
        @Size(max = 256) List<String> changedDocumentKeys,
        @Positive Long queueTimeoutMs,
        @Positive Long timeoutMs,
        @Valid RetryPolicyBody retryPolicy) {

    /** Without a retry policy (the topic's default applies). */
    public SubmitRequest(String topic, String subtype, JsonNode arguments, Map<String, JsonNode> includedDocuments,
            List<String> changedDocumentKeys, Long queueTimeoutMs, Long timeoutMs) {
        this(topic, subtype, arguments, includedDocuments, changedDocumentKeys, queueTimeoutMs, timeoutMs, null);
    }
}

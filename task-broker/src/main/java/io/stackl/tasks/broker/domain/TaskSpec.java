package io.stackl.tasks.broker.domain;

import io.stackl.tasks.schema.IncludedDocument;
import io.stackl.tasks.schema.TaskRequest;
import java.util.List;
import java.util.Map;

/**
 * What a producer asked for, as the broker keeps it (in its stores and internal topics, as JSON): everything a
 * worker needs, so that the work item can be built from it alone.
 *
 * @param retryPolicy as requested (null: the topic's default) until admission, which resolves it (ADR 0012); null in
 *     records written before ADR 0012, which means one attempt
 */
public record TaskSpec(
        String id,
        String topic,
        String subtype,
        String source,
        String argumentsJson,
        List<Document> includedDocuments,
        List<String> changedDocumentKeys,
        Long queueTimeoutMs,
        Long executionTimeoutMs,
        String idempotencyKey,
        long submittedAt,
        Map<String, String> traceContext,
        RetryPolicy retryPolicy) {

    public record Document(String key, String valueJson, Long version) {}

    /** A spec that asks for no retry policy of its own (the topic's default applies). */
    public TaskSpec(String id, String topic, String subtype, String source, String argumentsJson,
            List<Document> includedDocuments, List<String> changedDocumentKeys, Long queueTimeoutMs,
            Long executionTimeoutMs, String idempotencyKey, long submittedAt, Map<String, String> traceContext) {
        this(id, topic, subtype, source, argumentsJson, includedDocuments, changedDocumentKeys, queueTimeoutMs,
                executionTimeoutMs, idempotencyKey, submittedAt, traceContext, null);
    }

    public static TaskSpec from(TaskRequest request) {
        return new TaskSpec(
                request.getId(),
                request.getTopic(),
                request.getSubtype(),
                request.getSource(),
                request.getArgumentsJson(),
                request.getIncludedDocuments().stream()
                        .map(d -> new Document(d.getKey(), d.getValueJson(), d.getVersion()))
                        .toList(),
                List.copyOf(request.getChangedDocumentKeys()),
                request.getQueueTimeoutMs(),
                request.getExecutionTimeoutMs(),
                request.getIdempotencyKey(),
                request.getSubmittedAt() == null ? 0 : request.getSubmittedAt().toEpochMilli(),
                request.getTraceContext() == null ? Map.of() : Map.copyOf(request.getTraceContext()),
                RetryPolicy.from(request.getRetryPolicy()));
    }

    public TaskSpec withId(String newId) {
        return new TaskSpec(newId, topic, subtype, source, argumentsJson, includedDocuments, changedDocumentKeys,
                queueTimeoutMs, executionTimeoutMs, idempotencyKey, submittedAt, traceContext, retryPolicy);
    }

    public TaskSpec withRetryPolicy(RetryPolicy policy) {
        return new TaskSpec(id, topic, subtype, source, argumentsJson, includedDocuments, changedDocumentKeys,
                queueTimeoutMs, executionTimeoutMs, idempotencyKey, submittedAt, traceContext, policy);
    }

    /** The policy the task runs under: one attempt for a record from before ADR 0012. */
    public RetryPolicy retries() {
        return retryPolicy == null ? RetryPolicy.ONCE : retryPolicy;
    }

    public List<IncludedDocument> includedDocumentRecords() {
        return includedDocuments == null ? List.of() : includedDocuments.stream()
                .map(d -> IncludedDocument.newBuilder().setKey(d.key()).setValueJson(d.valueJson())
                        .setVersion(d.version()).build())
                .toList();
    }
}

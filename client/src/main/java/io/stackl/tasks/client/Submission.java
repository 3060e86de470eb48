package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task to submit: what to do ({@code topic}, {@code subtype}, {@code arguments}), the documents it will change (the
 * broker locks them all or none before it runs), and how long it may wait and run.
 *
 * <pre>{@code
 * Submission put = Submission.of("document", "put")
 *         .argument("key", "stacks/web").argument("value", Map.of("replicas", 3))
 *         .changes("stacks/web")
 *         .timeout(Duration.ofSeconds(30));
 * }</pre>
 */
public final class Submission {

    private final String topic;
    private final String subtype;
    private final ObjectNode arguments = Json.MAPPER.createObjectNode();
    private final List<String> changedDocumentKeys = new ArrayList<>();
    private final Map<String, JsonNode> includedDocuments = new LinkedHashMap<>();
    private Duration queueTimeout;
    private Duration timeout;
    private JsonNode retryPolicy;
    private String idempotencyKey;

    private Submission(String topic, String subtype) {
        this.topic = topic;
        this.subtype = subtype;
    }

    /** A task of {@code topic} (the worker pool that runs it) and {@code subtype} (what that pool does). */
    public static Submission of(String topic, String subtype) {
        return new Submission(topic, subtype);
    }

    /** One argument; {@code value} is anything Jackson can write as JSON (a string, number, map, list, node). */
    public Submission argument(String name, Object value) {
        arguments.set(name, Json.MAPPER.valueToTree(value));
        return this;
    }

    /** All arguments at once: a JSON object (or a map), replacing any given before. */
    public Submission arguments(Object object) {
        JsonNode node = Json.MAPPER.valueToTree(object);
        if (!node.isObject()) {
            throw new IllegalArgumentException("arguments must be a JSON object, was " + node.getNodeType());
        }
        arguments.removeAll();
        arguments.setAll((ObjectNode) node);
        return this;
    }

    /** Document keys the task will change: locked all or none before it runs, restored if it rolls back. */
    public Submission changes(String... keys) {
        changedDocumentKeys.addAll(List.of(keys));
        return this;
    }

    public Submission changes(List<String> keys) {
        changedDocumentKeys.addAll(keys);
        return this;
    }

    /** A document value the task carries to its worker as the producer saw it. */
    public Submission includes(String key, Object value) {
        includedDocuments.put(key, Json.MAPPER.valueToTree(value));
        return this;
    }

    /** How long it may wait for its locks before it is given up (the broker's default when not set). */
    public Submission queueTimeout(Duration timeout) {
        this.queueTimeout = timeout;
        return this;
    }

    /** How long an attempt may run once dispatched (the broker's default when not set). */
    public Submission timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /**
     * How often to try, as the gateway's {@code retryPolicy} object: {@code maxAttempts}, {@code initialBackoffMs},
     * {@code backoffMultiplier}, {@code maxBackoffMs}, {@code jitter}, {@code nonRetryableCodes},
     * {@code retryWithinMs}. Each failed attempt is undone before the next.
     */
    public Submission retryPolicy(Object policy) {
        this.retryPolicy = Json.MAPPER.valueToTree(policy);
        return this;
    }

    /**
     * Makes submitting this task again (after a lost answer, say) return the first task instead of starting a second.
     * When not set, the client makes one up per {@link StacklClient#submit} call, so that its own retries are safe.
     */
    public Submission idempotencyKey(String key) {
        this.idempotencyKey = key;
        return this;
    }

    public String topic() {
        return topic;
    }

    public String subtype() {
        return subtype;
    }

    String idempotencyKey() {
        return idempotencyKey;
    }

    /** The body of {@code POST /tasks}. */
    ObjectNode body() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("topic", topic).put("subtype", subtype);
        body.set("arguments", arguments);
        if (!changedDocumentKeys.isEmpty()) {
            body.set("changedDocumentKeys", Json.MAPPER.valueToTree(changedDocumentKeys));
        }
        if (!includedDocuments.isEmpty()) {
            body.set("includedDocuments", Json.MAPPER.valueToTree(includedDocuments));
        }
        if (queueTimeout != null) {
            body.put("queueTimeoutMs", queueTimeout.toMillis());
        }
        if (timeout != null) {
            body.put("timeoutMs", timeout.toMillis());
        }
        if (retryPolicy != null) {
            body.set("retryPolicy", retryPolicy);
        }
        return body;
    }
}

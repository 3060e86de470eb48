package io.stackl.tasks.broker.domain;

import static io.stackl.tasks.schema.ContentRules.quote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.Topics;
import java.util.TreeSet;

/**
 * Whether a request can be a task: the broker's copy of the rules that the gateway also applies, for producers that
 * write straight onto {@code task-requests}. Every string that would reach PostgreSQL is checked against
 * {@link ContentRules}, so that nothing admitted is refused downstream. Returns the reason ("CODE: sentence") or null.
 */
public final class RequestValidation {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BrokerSettings settings;

    public RequestValidation(BrokerSettings settings) {
        this.settings = settings;
    }

    /**
     * Whether the id can name a task at all. A request whose id cannot (empty, too long, control characters) cannot
     * even be answered with a REJECTED event under that id; the intake dead-letters it instead.
     */
    public static String idProblem(String id) {
        if (id == null || id.isBlank()) {
            return "the task has no id";
        }
        return ContentRules.nameProblem("the task id", id, ContentRules.MAX_NAME_CHARS);
    }

    public String problem(TaskSpec spec) {
        String id = idProblem(spec.id());
        if (id != null) {
            return "INVALID: " + id;
        }
        if (!Topics.isValidTaskTopic(spec.topic())) {
            return "INVALID: " + quote(spec.topic()) + " is not a valid task topic name (letters, digits, '_' and '-',"
                    + " at most 200)";
        }
        if (!settings.taskTopics().contains(spec.topic())) {
            return "UNKNOWN_TOPIC: no workers are configured for task topic '" + spec.topic() + "' (known: "
                    + String.join(", ", new TreeSet<>(settings.taskTopics())) + ")";
        }
        if (spec.subtype() == null || spec.subtype().isBlank()) {
            return "INVALID: the task has no subtype";
        }
        String names = first(
                ContentRules.nameProblem("the subtype", spec.subtype(), ContentRules.MAX_NAME_CHARS),
                ContentRules.nameProblem("the source", spec.source(), ContentRules.MAX_NAME_CHARS),
                ContentRules.nameProblem("the idempotency key", spec.idempotencyKey(), ContentRules.MAX_NAME_CHARS));
        if (names != null) {
            return "INVALID: " + names;
        }
        String timeouts = first(
                timeoutProblem("queueTimeoutMs", spec.queueTimeoutMs(), settings.maxQueueTimeout().toMillis()),
                timeoutProblem("executionTimeoutMs", spec.executionTimeoutMs(),
                        settings.maxExecutionTimeout().toMillis()));
        if (timeouts != null) {
            return timeouts;
        }
        if (spec.retryPolicy() != null && spec.retryPolicy().problem() != null) {
            return "INVALID: " + spec.retryPolicy().problem();
        }
        if (spec.changedDocumentKeys() != null) {
            if (spec.changedDocumentKeys().size() > settings.maxLockKeys()) {
                return "INVALID: the task declares " + spec.changedDocumentKeys().size() + " document keys; at most "
                        + settings.maxLockKeys() + " may be locked by one task";
            }
            for (String key : spec.changedDocumentKeys()) {
                String problem = ContentRules.documentKeyProblem(key);
                if (problem != null) {
                    return "INVALID_DOCUMENT_KEY: " + problem;
                }
            }
        }
        if (spec.includedDocuments() != null) {
            for (TaskSpec.Document document : spec.includedDocuments()) {
                String problem = first(ContentRules.documentKeyProblem(document.key()),
                        ContentRules.jsonProblem("the included document " + quote(document.key()),
                                document.valueJson()));
                if (problem != null) {
                    return "INVALID_DOCUMENT_KEY: " + problem;
                }
            }
        }
        String arguments = ContentRules.jsonProblem("argumentsJson",
                spec.argumentsJson() == null ? "" : spec.argumentsJson());
        if (arguments != null) {
            return "INVALID: " + arguments;
        }
        try {
            JsonNode parsed = JSON.readTree(spec.argumentsJson());
            if (parsed == null || !parsed.isObject()) {
                return "INVALID: argumentsJson must be a JSON object";
            }
        } catch (JsonProcessingException e) {
            return "INVALID: argumentsJson is not valid JSON: " + ContentRules.storable(e.getOriginalMessage());
        }
        return null;
    }

    private String timeoutProblem(String name, Long value, long max) {
        if (value == null) {
            return settings.requireExplicitTimeouts() ? "INVALID: " + name + " is required" : null;
        }
        if (value <= 0) {
            return "INVALID: " + name + " must be positive, was " + value;
        }
        if (value > max) {
            return "INVALID: " + name + " of " + value + " ms is over the maximum of " + max + " ms";
        }
        return null;
    }

    private static String first(String... problems) {
        for (String problem : problems) {
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }
}

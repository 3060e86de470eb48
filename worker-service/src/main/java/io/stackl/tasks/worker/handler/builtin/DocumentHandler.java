package io.stackl.tasks.worker.handler.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.worker.handler.HandlerOutcome;
import io.stackl.tasks.worker.handler.TaskContext;
import io.stackl.tasks.worker.handler.TaskHandler;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Topic {@code document}: document changes are tasks too. Arguments {@code {"key": "...", "value": {...}}}.
 * <ul>
 *   <li>{@code create}: fails with {@code ALREADY_EXISTS} if the document exists;
 *   <li>{@code put}: creates or replaces;
 *   <li>{@code patch}: JSON merge patch (RFC 7396) onto the current value; {@code NOT_FOUND} if absent;
 *   <li>{@code delete}: {@code NOT_FOUND} if absent;
 *   <li>{@code increment}: adds {@code arguments.by} (default 1) to the number at {@code value} of the document
 *       (0 if absent) — a read-modify-write that is only correct because the task holds the key's lock;
 *   <li>{@code batch}: {@code arguments.operations}, a list of {@code {"op": "put"|"patch"|"delete"|"wait", "key",
 *       "value", "ms"}}, applied in order; the first that fails fails the task, and the rollback undoes the ones
 *       before it. {@code wait} pauses (honouring the deadline) between changes.
 * </ul>
 * Every change is snapshotted by the history service before it is made, so a rollback undoes it; there is nothing
 * external to compensate. Output: {@code {"key", "version"}} (version null after delete).
 */
@ApplicationScoped
public class DocumentHandler implements TaskHandler {

    @Override
    public String topic() {
        return "document";
    }

    @Override
    public Set<String> subtypes() {
        return Set.of("create", "put", "patch", "delete", "increment", "batch");
    }

    @Override
    public HandlerOutcome handle(TaskContext context) throws InterruptedException {
        if ("batch".equals(context.subtype())) {
            return batch(context);
        }
        return apply(context.subtype(), context.arguments(), context.documents());
    }

    private HandlerOutcome batch(TaskContext context) throws InterruptedException {
        JsonNode operations = context.arguments().path("operations");
        if (!operations.isArray()) {
            return HandlerOutcome.failure("INVALID_ARGUMENTS", "arguments.operations must be a list", false);
        }
        com.fasterxml.jackson.databind.node.ArrayNode results = JsonNodeFactory.instance.arrayNode();
        for (JsonNode operation : operations) {
            String op = operation.path("op").asText("");
            if (op.equals("wait")) {
                Thread.sleep(operation.path("ms").asLong(0));
                continue;
            }
            HandlerOutcome outcome = apply(op, operation, context.documents());
            if (outcome instanceof HandlerOutcome.Failure) {
                return outcome;
            }
            results.add(((HandlerOutcome.Success) outcome).outputJson());
        }
        return HandlerOutcome.success(JsonNodeFactory.instance.objectNode().put("applied", results.size()).toString());
    }

    private HandlerOutcome apply(String subtype, JsonNode arguments, TaskContext.Documents documents) {
        String key = arguments.path("key").asText(null);
        if (key == null || key.isBlank()) {
            return HandlerOutcome.failure("INVALID_ARGUMENTS", "arguments.key is required", false);
        }
        JsonNode value = arguments.get("value");
        ObjectNode output = JsonNodeFactory.instance.objectNode().put("key", key);
        switch (subtype) {
            case "create" -> {
                if (value == null) {
                    return HandlerOutcome.failure("INVALID_ARGUMENTS", "arguments.value is required", false);
                }
                if (documents.get(key) != null) {
                    return HandlerOutcome.failure("ALREADY_EXISTS", "document '" + key + "' exists", false);
                }
                output.put("version", documents.put(key, value));
            }
            case "put" -> {
                if (value == null) {
                    return HandlerOutcome.failure("INVALID_ARGUMENTS", "arguments.value is required", false);
                }
                output.put("version", documents.put(key, value));
            }
            case "patch" -> {
                JsonNode current = documents.get(key);
                if (current == null) {
                    return HandlerOutcome.failure("NOT_FOUND", "document '" + key + "' does not exist", false);
                }
                output.put("version", documents.put(key, mergePatch(current, value)));
            }
            case "delete" -> {
                if (documents.get(key) == null) {
                    return HandlerOutcome.failure("NOT_FOUND", "document '" + key + "' does not exist", false);
                }
                documents.delete(key);
                output.putNull("version");
            }
            case "increment" -> {
                JsonNode current = documents.get(key);
                long next = (current == null ? 0 : current.path("value").asLong(0)) + arguments.path("by").asLong(1);
                output.put("version", documents.put(key, JsonNodeFactory.instance.objectNode().put("value", next)));
                output.put("value", next);
            }
            default -> {
                return HandlerOutcome.failure("UNKNOWN_SUBTYPE", "document has no operation " + subtype, false);
            }
        }
        return HandlerOutcome.success(output.toString());
    }

    /** RFC 7396: objects merge recursively, null removes a member, anything else replaces. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            return patch == null ? target : patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            if (member.getValue().isNull()) {
                result.remove(member.getKey());
            } else {
                result.set(member.getKey(), mergePatch(result.get(member.getKey()), member.getValue()));
            }
        }
        return result;
    }
}

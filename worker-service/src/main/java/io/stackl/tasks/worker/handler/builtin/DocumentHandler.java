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
 *   <li>{@code delete}: {@code NOT_FOUND} if absent.
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
        return Set.of("create", "put", "patch", "delete");
    }

    @Override
    public HandlerOutcome handle(TaskContext context) {
        String key = context.arguments().path("key").asText(null);
        if (key == null || key.isBlank()) {
            return HandlerOutcome.failure("INVALID_ARGUMENTS", "arguments.key is required", false);
        }
        JsonNode value = context.arguments().get("value");
        TaskContext.Documents documents = context.documents();
        ObjectNode output = JsonNodeFactory.instance.objectNode().put("key", key);
        switch (context.subtype()) {
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
            default -> {
                return HandlerOutcome.failure("UNKNOWN_SUBTYPE", "document has no subtype " + context.subtype(), false);
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

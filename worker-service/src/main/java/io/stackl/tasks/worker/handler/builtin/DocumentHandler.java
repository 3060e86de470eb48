package io.stackl.tasks.worker.handler.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.worker.handler.HandlerOutcome;
import io.stackl.tasks.worker.handler.TaskContext;
import io.stackl.tasks.worker.handler.TaskContext.DocumentChange;
import io.stackl.tasks.worker.handler.TaskHandler;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

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
 *       before it. {@code wait} pauses (honouring the deadline) between changes. The changes between two waits are
 *       written together, in as few calls as the history service's limits allow, each all or none. Output {@code {"applied": n}}.
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
        TaskContext.Documents documents = context.documents();
        Decision decision = decide(context.subtype(), context.arguments(), documents::get);
        if (decision.failure() != null) {
            return decision.failure();
        }
        DocumentChange change = decision.change();
        ObjectNode output = JsonNodeFactory.instance.objectNode().put("key", change.key());
        if (change.isDelete()) {
            documents.delete(change.key());
            output.putNull("version");
        } else {
            output.put("version", documents.put(change.key(), change.value()));
        }
        if ("increment".equals(context.subtype())) {
            output.put("value", change.value().path("value").asLong());
        }
        return HandlerOutcome.success(output.toString());
    }

    /**
     * The operations are decided one after another against the values as the batch has left them so far, and their
     * changes are sent together, in one call to the history service: before a {@code wait} (so that what came before
     * it is written, and undone if the task ends during the wait), before returning a failure (so that the rollback
     * has the earlier changes to undo, as if each had been written on its own), and at the end.
     */
    private HandlerOutcome batch(TaskContext context) throws InterruptedException {
        JsonNode operations = context.arguments().path("operations");
        if (!operations.isArray()) {
            return HandlerOutcome.failure("INVALID_ARGUMENTS", "arguments.operations must be a list", false);
        }
        PendingChanges pending = new PendingChanges(context.documents());
        int applied = 0;
        for (JsonNode operation : operations) {
            String op = operation.path("op").asText("");
            if (op.equals("wait")) {
                pending.send();
                Thread.sleep(operation.path("ms").asLong(0));
                continue;
            }
            Decision decision = decide(op, operation, pending::get);
            if (decision.failure() != null) {
                pending.send();
                return decision.failure();
            }
            pending.add(decision.change());
            applied++;
        }
        pending.send();
        return HandlerOutcome.success(JsonNodeFactory.instance.objectNode().put("applied", applied).toString());
    }

    /** What an operation changes, or why it fails; decided from the current values, before anything is written. */
    private record Decision(DocumentChange change, HandlerOutcome failure) {

        static Decision to(DocumentChange change) {
            return new Decision(change, null);
        }

        static Decision fails(String code, String message) {
            return new Decision(null, HandlerOutcome.failure(code, message, false));
        }
    }

    private static Decision decide(String subtype, JsonNode arguments, Function<String, JsonNode> current) {
        String key = arguments.path("key").asText(null);
        if (key == null || key.isBlank()) {
            return Decision.fails("INVALID_ARGUMENTS", "arguments.key is required");
        }
        JsonNode value = arguments.get("value");
        switch (subtype) {
            case "create" -> {
                if (value == null) {
                    return Decision.fails("INVALID_ARGUMENTS", "arguments.value is required");
                }
                if (current.apply(key) != null) {
                    return Decision.fails("ALREADY_EXISTS", "document '" + key + "' exists");
                }
                return Decision.to(DocumentChange.put(key, value));
            }
            case "put" -> {
                if (value == null) {
                    return Decision.fails("INVALID_ARGUMENTS", "arguments.value is required");
                }
                return Decision.to(DocumentChange.put(key, value));
            }
            case "patch" -> {
                JsonNode before = current.apply(key);
                if (before == null) {
                    return Decision.fails("NOT_FOUND", "document '" + key + "' does not exist");
                }
                return Decision.to(DocumentChange.put(key, mergePatch(before, value)));
            }
            case "delete" -> {
                if (current.apply(key) == null) {
                    return Decision.fails("NOT_FOUND", "document '" + key + "' does not exist");
                }
                return Decision.to(DocumentChange.delete(key));
            }
            case "increment" -> {
                JsonNode before = current.apply(key);
                long next = (before == null ? 0 : before.path("value").asLong(0)) + arguments.path("by").asLong(1);
                return Decision.to(DocumentChange.put(key, JsonNodeFactory.instance.objectNode().put("value", next)));
            }
            default -> {
                return Decision.fails("UNKNOWN_SUBTYPE", "document has no operation " + subtype);
            }
        }
    }

    /** The history service takes at most this many changes per call. */
    static final int MAX_CHANGES_PER_CALL = 1_000;
    /** Bytes of keys and values per call, well under the history service's request size limit (Quarkus' 10 MB). */
    static final long MAX_BYTES_PER_CALL = 4_000_000;

    /** Changes decided but not yet sent, and the values they leave, so that later operations read their own writes. */
    private static final class PendingChanges {
        private final TaskContext.Documents documents;
        private final List<DocumentChange> changes = new ArrayList<>();
        /** Every key read or changed in this batch: its value as the batch sees it (absent = null). */
        private final Map<String, Optional<JsonNode>> values = new HashMap<>();

        PendingChanges(TaskContext.Documents documents) {
            this.documents = documents;
        }

        JsonNode get(String key) {
            return values.computeIfAbsent(key, k -> Optional.ofNullable(documents.get(k))).orElse(null);
        }

        void add(DocumentChange change) {
            changes.add(change);
            values.put(change.key(), Optional.ofNullable(change.isDelete() ? null : change.value()));
        }

        /**
         * Writes the pending changes, in calls of at most {@link #MAX_CHANGES_PER_CALL} changes and about
         * {@link #MAX_BYTES_PER_CALL} bytes of keys and values (the history service's limits): each call all or none,
         * and the rollback undoes the calls before a refused one, as it undoes any earlier change.
         */
        void send() {
            List<DocumentChange> call = new ArrayList<>();
            long bytes = 0;
            for (DocumentChange change : changes) {
                long size = change.key().getBytes(StandardCharsets.UTF_8).length
                        + (change.isDelete() ? 0 : change.value().toString().getBytes(StandardCharsets.UTF_8).length);
                if (!call.isEmpty() && (call.size() == MAX_CHANGES_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)) {
                    documents.write(List.copyOf(call));
                    call.clear();
                    bytes = 0;
                }
                call.add(change);
                bytes += size;
            }
            if (!call.isEmpty()) {
                documents.write(List.copyOf(call));
            }
            changes.clear();
        }
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

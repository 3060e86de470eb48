package io.stackl.tasks.worker.manager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.kit.json.ExactJsonNumbers;
import io.stackl.tasks.schema.IncludedDocument;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.worker.handler.TaskContext;
import io.stackl.tasks.worker.history.HistoryClient;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The {@link TaskContext} of one work item; document writes and undo records go to the history service, fenced. */
final class WorkContext implements TaskContext {

    // Numbers exactly as the user wrote them, through to the history service.
    private static final ObjectMapper JSON = ExactJsonNumbers.newMapper();

    private final WorkItem item;
    private final HistoryClient history;
    private final JsonNode arguments;
    /** This run of the work item; the history service refuses writes from a second run of the same attempt. */
    private final String executionId = UUID.randomUUID().toString();

    WorkContext(WorkItem item, HistoryClient history) {
        this.item = item;
        this.history = history;
        this.arguments = parse(item.getArgumentsJson());
    }

    @Override
    public String taskId() {
        return item.getTaskId();
    }

    @Override
    public String topic() {
        return item.getTopic();
    }

    @Override
    public String subtype() {
        return item.getSubtype();
    }

    @Override
    public int attempt() {
        return item.getAttempt();
    }

    @Override
    public String idempotencyKey() {
        return item.getIdempotencyKey();
    }

    @Override
    public Instant deadline() {
        return item.getDeadline();
    }

    @Override
    public JsonNode arguments() {
        return arguments;
    }

    @Override
    public Map<String, JsonNode> includedDocuments() {
        Map<String, JsonNode> documents = new HashMap<>();
        for (IncludedDocument d : item.getIncludedDocuments()) {
            documents.put(d.getKey(), d.getValueJson() == null ? null : parse(d.getValueJson()));
        }
        return documents;
    }

    @Override
    public List<String> declaredKeys() {
        return List.copyOf(item.getChangedDocumentKeys());
    }

    @Override
    public Documents documents() {
        return new Documents() {
            @Override
            public JsonNode get(String key) {
                return history.get(key);
            }

            @Override
            public long put(String key, JsonNode value) {
                return history.put(key, item.getTaskId(), item.getFencingToken(), executionId, value,
                        item.getDeadline());
            }

            @Override
            public void delete(String key) {
                history.delete(key, item.getTaskId(), item.getFencingToken(), executionId, item.getDeadline());
            }

            @Override
            public List<Long> write(List<DocumentChange> changes) {
                if (changes.isEmpty()) {
                    return List.of();
                }
                List<Long> versions = history.writeAll(item.getTaskId(), item.getFencingToken(), executionId, changes,
                        item.getDeadline());
                return versions != null ? versions : Documents.super.write(changes);
            }
        };
    }

    @Override
    public void recordUndo(JsonNode undo) {
        history.recordUndo(item.getTaskId(), item.getFencingToken(), executionId, item.getTopic(), item.getSubtype(), undo,
                item.getDeadline());
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json == null || json.isBlank() ? "{}" : json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }
}

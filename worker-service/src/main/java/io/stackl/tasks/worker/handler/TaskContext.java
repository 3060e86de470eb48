package io.stackl.tasks.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a handler may use: the task's arguments and included documents, its deadline and idempotency key, a
 * document API whose writes are snapshotted and fenced by the history service, and a way to record the undo of an
 * external action before doing it.
 */
public interface TaskContext {

    String taskId();

    String topic();

    String subtype();

    int attempt();

    /** {@code taskId:attempt}: pass it to every side-effecting call so that a repeat does nothing twice. */
    String idempotencyKey();

    /** The handler is stopped (interrupted) here; nothing it returns afterwards is sent. */
    Instant deadline();

    JsonNode arguments();

    /** The documents the producer included, by key (value null when the producer saw none). */
    Map<String, JsonNode> includedDocuments();

    List<String> declaredKeys();

    Documents documents();

    /**
     * Records, before the handler acts, what undoes an external action. On rollback the same handler's
     * {@link TaskHandler#compensate} receives it. Throws if the task may no longer act (sealed, superseded).
     */
    void recordUndo(JsonNode undo);

    /** Reads and fenced writes of documents; every write is snapshotted first so that a rollback can restore it. */
    interface Documents {
        /** The current value, or null. */
        JsonNode get(String key);

        /** Writes the value; returns the new version. */
        long put(String key, JsonNode value);

        void delete(String key);

        /**
         * Makes the changes in order, all or none, in one call to the history service (one transaction): each is
         * snapshotted and fenced as {@link #put} and {@link #delete} are. Returns each change's new version (null
         * for a delete). Cheaper than one call per change when a task changes several documents at once.
         */
        default List<Long> write(List<DocumentChange> changes) {
            List<Long> versions = new ArrayList<>(changes.size());
            for (DocumentChange change : changes) {
                if (change.isDelete()) {
                    delete(change.key());
                    versions.add(null);
                } else {
                    versions.add(put(change.key(), change.value()));
                }
            }
            return versions;
        }
    }

    /** One change for {@link Documents#write}: a value to put, or a delete. */
    record DocumentChange(String key, JsonNode value, boolean isDelete) {

        public static DocumentChange put(String key, JsonNode value) {
            return new DocumentChange(key, Objects.requireNonNull(value, "value"), false);
        }

        public static DocumentChange delete(String key) {
            return new DocumentChange(key, null, true);
        }
    }
}

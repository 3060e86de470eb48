package io.stackl.tasks.history.repository;

import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import io.stackl.tasks.schema.WorkKind;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fences (ADR 0007): {@code task_fences}, what each task may write as history has learned it from the broker's
 * events, and {@code document_locks}, the latest holder of each key by lock epoch. A fence row is locked by every
 * write and by every seal, which is what orders the two.
 */
public final class FenceRepository {

    private FenceRepository() {}

    /** A task's fence: its current token, state and declared keys, and who has claimed the attempt. */
    public record Fence(String state, long fencingToken, List<String> declaredKeys, List<Long> lockEpochs,
            boolean sealed, int lastSnapshotSeq, String executor, String topic) {}

    /** The key's latest holder as history knows it. */
    public record LockHolder(String taskId, long epoch) {}

    /** The task's fence, its row locked until the transaction ends; null if history has not seen the task yet. */
    public static Fence lockForWrite(Connection c, String taskId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT state, fencing_token, declared_keys, sealed,"
                + " last_snapshot_seq, lock_epochs, executor, topic FROM task_fences WHERE task_id = ? FOR UPDATE")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Array keys = rs.getArray(3);
                Array epochs = rs.getArray(6);
                return new Fence(rs.getString(1), rs.getLong(2),
                        keys == null ? List.of() : Arrays.asList((String[]) keys.getArray()),
                        epochs == null ? List.of() : Arrays.asList((Long[]) epochs.getArray()), rs.getBoolean(4),
                        rs.getInt(5), rs.getString(7), rs.getString(8));
            }
        }
    }

    /** The first execution that writes for the current token claims the attempt. */
    public static void claim(Connection c, String taskId, String executionId) throws SQLException {
        try (PreparedStatement claim = c.prepareStatement("UPDATE task_fences SET executor = ? WHERE task_id = ?")) {
            claim.setString(1, executionId);
            claim.setString(2, taskId);
            claim.executeUpdate();
        }
    }

    public static void advanceSnapshotSeq(Connection c, String taskId, int seq) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE task_fences SET last_snapshot_seq = ?, updated_at = now() WHERE task_id = ?")) {
            s.setInt(1, seq);
            s.setString(2, taskId);
            s.executeUpdate();
        }
    }

    /**
     * Seals the fence for a rollback; created sealed if history never saw the task dispatched, so that nothing can be
     * written for it, ever. Taking the row lock (the upsert holds it) orders the seal after every write in progress.
     */
    public static void sealForRollback(Connection c, String taskId, String topic, long fencingToken)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO task_fences (task_id, topic, state, fencing_token,"
                + " sealed, sealed_at) VALUES (?, ?, 'ROLLING_BACK', ?, TRUE, clock_timestamp()) ON CONFLICT (task_id)"
                // A command delivered again for an earlier attempt leaves a later attempt's fence alone (ADR 0012).
                // A command for a later attempt than the fence knows (its DISPATCHED event not recorded yet) moves the
                // fence to that attempt, sealed: when the event comes, its token is no longer newer and cannot reopen
                // what the rollback closed.
                + " DO UPDATE SET fencing_token = GREATEST(task_fences.fencing_token, EXCLUDED.fencing_token),"
                + " executor = CASE WHEN EXCLUDED.fencing_token > task_fences.fencing_token THEN NULL"
                + " ELSE task_fences.executor END,"
                + " sealed = CASE WHEN task_fences.fencing_token <= EXCLUDED.fencing_token THEN TRUE"
                + " ELSE task_fences.sealed END, sealed_at = CASE WHEN task_fences.fencing_token <= EXCLUDED.fencing_token"
                + " THEN COALESCE(task_fences.sealed_at, clock_timestamp()) ELSE task_fences.sealed_at END,"
                // A repeated command must not move a fence that already ended back to ROLLING_BACK.
                + " state = CASE WHEN task_fences.sealed OR task_fences.fencing_token > EXCLUDED.fencing_token"
                + " THEN task_fences.state ELSE 'ROLLING_BACK' END,"
                + " updated_at = now()")) {
            s.setString(1, taskId);
            s.setString(2, topic);
            s.setLong(3, fencingToken);
            s.executeUpdate();
        }
    }

    /**
     * An attempt that sent its result is over: no write for its token is accepted afterwards, whatever else history
     * has or has not learned yet (a copy of the work item run again after the first finished writes nothing).
     */
    public static void sealFinishedAttempts(Connection c, List<TaskResult> results) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE task_fences SET sealed = TRUE,"
                + " sealed_at = COALESCE(sealed_at, clock_timestamp()), updated_at = now()"
                + " WHERE task_id = ? AND fencing_token = ? AND NOT sealed")) {
            for (TaskResult r : results) {
                if (r.getKind() == WorkKind.EXECUTE) {
                    s.setString(1, r.getTaskId());
                    s.setLong(2, r.getFencingToken());
                    s.addBatch();
                }
            }
            s.executeBatch();
        }
    }

    /**
     * DISPATCHED gives the task its current token, keys and lock epochs (and forgets the executor of an older token);
     * every later state takes the right to write away (only a DISPATCHED task writes), and a terminal state seals the
     * fence for good. A fence only moves forward: an event whose sequence is not above the last one applied (a
     * replayed batch, a rebalance) changes nothing, so a finished task's fence is never reopened. A key's lock holder
     * moves only to a higher epoch, whatever order the grants are learned in.
     */
    public static void applyEvents(Connection c, List<TaskEvent> events) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO task_fences (task_id, topic, state, fencing_token,"
                + " declared_keys, lock_epochs, last_sequence, sealed, sealed_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN clock_timestamp() END, now())"
                + " ON CONFLICT (task_id) DO UPDATE SET state = EXCLUDED.state,"
                + " fencing_token = GREATEST(task_fences.fencing_token, EXCLUDED.fencing_token),"
                + " declared_keys = CASE WHEN EXCLUDED.state = 'DISPATCHED' THEN EXCLUDED.declared_keys"
                + " ELSE task_fences.declared_keys END,"
                + " lock_epochs = CASE WHEN EXCLUDED.state = 'DISPATCHED' THEN EXCLUDED.lock_epochs"
                + " ELSE task_fences.lock_epochs END,"
                + " executor = CASE WHEN EXCLUDED.fencing_token > task_fences.fencing_token THEN NULL"
                + " ELSE task_fences.executor END,"
                + " last_sequence = EXCLUDED.last_sequence,"
                // A new token is a new attempt, which may write again (no attempt is dispatched twice today; a retry
                // would be); otherwise a seal stays.
                + " sealed = CASE WHEN EXCLUDED.fencing_token > task_fences.fencing_token THEN EXCLUDED.sealed"
                + " ELSE task_fences.sealed OR EXCLUDED.sealed END,"
                + " sealed_at = CASE WHEN EXCLUDED.fencing_token > task_fences.fencing_token THEN EXCLUDED.sealed_at"
                + " ELSE COALESCE(task_fences.sealed_at, EXCLUDED.sealed_at) END, updated_at = now()"
                + " WHERE task_fences.last_sequence < EXCLUDED.last_sequence");
                PreparedStatement locks = c.prepareStatement("INSERT INTO document_locks (key, task_id, epoch)"
                        + " VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET task_id = EXCLUDED.task_id,"
                        + " epoch = EXCLUDED.epoch, granted_at = now() WHERE document_locks.epoch < EXCLUDED.epoch")) {
            for (TaskEvent e : events) {
                if (e.getState() == TaskState.SUBMITTED || e.getState() == TaskState.WAITING_FOR_LOCKS
                        || e.getState() == TaskState.REJECTED) {
                    continue;
                }
                boolean terminal = TaskStates.isTerminal(e.getState());
                // Epochs count only when there is a positive one for every key, in order (else: unknown, unchecked).
                boolean epochsKnown = e.getLockEpochs().size() == e.getChangedDocumentKeys().size()
                        && e.getLockEpochs().stream().allMatch(epoch -> epoch != null && epoch > 0);
                List<Long> epochs = epochsKnown ? e.getLockEpochs() : List.of();
                s.setString(1, e.getTaskId());
                s.setString(2, e.getTopic());
                s.setString(3, e.getState().toString());
                s.setLong(4, e.getFencingToken());
                s.setArray(5, c.createArrayOf("text", e.getChangedDocumentKeys().toArray()));
                s.setArray(6, c.createArrayOf("bigint", epochs.toArray()));
                s.setInt(7, e.getSequence());
                s.setBoolean(8, terminal);
                s.setBoolean(9, terminal);
                s.addBatch();
                if (e.getState() == TaskState.DISPATCHED) {
                    for (int i = 0; i < epochs.size(); i++) {
                        locks.setString(1, e.getChangedDocumentKeys().get(i));
                        locks.setString(2, e.getTaskId());
                        locks.setLong(3, epochs.get(i));
                        locks.addBatch();
                    }
                }
            }
            s.executeBatch();
            locks.executeBatch();
        }
    }

    /**
     * Tells every instance of the service that these tasks' fences are recorded, when {@code c}'s transaction commits
     * (at once in autocommit): a write that came before its task's DISPATCHED event waits for this (ADR 0011,
     * {@code FenceArrivals}).
     */
    public static void notifyArrivals(Connection c, String channel, List<String> taskIds) throws SQLException {
        if (taskIds.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, t) FROM unnest(?::text[]) AS t")) {
            s.setString(1, channel);
            s.setArray(2, c.createArrayOf("text", taskIds.toArray()));
            s.execute();
        }
    }

    /** The lock epoch the task held on each declared key (empty from a broker that did not number grants). */
    public static Map<String, Long> heldEpochs(Connection c, String taskId) throws SQLException {
        Map<String, Long> epochs = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT declared_keys, lock_epochs FROM task_fences WHERE task_id = ?")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next() && rs.getArray(1) != null && rs.getArray(2) != null) {
                    String[] keys = (String[]) rs.getArray(1).getArray();
                    Long[] held = (Long[]) rs.getArray(2).getArray();
                    for (int i = 0; i < keys.length && i < held.length; i++) {
                        epochs.put(keys[i], held[i]);
                    }
                }
            }
        }
        return epochs;
    }

    /**
     * The key's latest holder, or null if no grant of it is known. The shared row lock orders the caller's check
     * against the update that records the next grant.
     */
    public static LockHolder lockHolder(Connection c, String key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT task_id, epoch FROM document_locks WHERE key = ? FOR SHARE")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? new LockHolder(rs.getString(1), rs.getLong(2)) : null;
            }
        }
    }

    /** The deadline of the task's current attempt, from its DISPATCHED event with the fence's token; null if unknown. */
    public static Instant currentAttemptDeadline(Connection c, String taskId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT max(e.deadline) FROM task_events e JOIN task_fences f"
                + " USING (task_id) WHERE e.task_id = ? AND e.state = 'DISPATCHED'"
                + " AND e.fencing_token = f.fencing_token")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                Timestamp deadline = rs.next() ? rs.getTimestamp(1) : null;
                return deadline == null ? null : deadline.toInstant();
            }
        }
    }
}

package io.stackl.tasks.history.service;

import static io.stackl.tasks.history.repository.Jdbc.inTransaction;

import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.schema.CompensationAction;
import io.stackl.tasks.schema.CompensationEvent;
import io.stackl.tasks.schema.CompensationOutcome;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.UndoRecord;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Carries out rollbacks. In one transaction it seals the task (no write is accepted from it afterwards) and restores
 * its document snapshots newest first, so that the documents are exactly as before the task: a document it created
 * is deleted, one it deleted comes back, one it changed many times gets its first pre-image back. The restored value
 * gets a new version number, above every one the key had (ADR 0007): a version never names two values.
 * External undo records go to the workers as one COMPENSATE work item; their report ends the rollback.
 *
 * <p>What a rollback owes Kafka is derived from what its transaction stored, and sent again whenever the command is
 * delivered again (ADR 0007): a crash between the database commit and the sends loses nothing. A repeated command
 * restores nothing twice: it re-sends the compensating events of the restored snapshots and the stored report, or, while
 * the workers have not reported, hands the compensation to them again, at most {@code maxCompensationAttempts} times.
 * A snapshot of a key that a later task has since been granted is not restored (its value is that task's now): the
 * rollback then fails with {@code RESTORE_CONFLICT}, visibly, instead of overwriting a committed change.
 */
@ApplicationScoped
public class RollbackService {

    private final DataSource dataSource;
    private final HistoryMetrics metrics;
    private final Duration undoGrace;

    RollbackService(DataSource dataSource, HistoryMetrics metrics, io.stackl.tasks.history.config.HistoryConfig config) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.undoGrace = config.undoGrace();
    }

    /**
     * What to send after the transaction committed: compensating events, and either the report to the broker or the
     * compensation work item for the workers.
     */
    public record Plan(String taskId, List<CompensationEvent> compensations, RollbackReport report, WorkItem compensation) {}

    public Plan rollback(RollbackCommand command, Duration compensationTimeout) {
        return rollback(command, compensationTimeout, Integer.MAX_VALUE);
    }

    public Plan rollback(RollbackCommand command, Duration compensationTimeout, int maxCompensationAttempts) {
        long started = System.nanoTime();
        Plan plan = inTransaction(dataSource, c -> {
            String taskId = command.getTaskId();
            sealFence(c, command);
            Plan done = previousOutcome(c, command, compensationTimeout, maxCompensationAttempts);
            if (done != null) {
                return done;
            }
            Instant now = now();
            Map<String, Long> heldEpochs = heldEpochs(c, taskId);
            List<CompensationEvent> compensations = new ArrayList<>();
            List<UndoRecord> undo = new ArrayList<>();
            List<String> conflicts = new ArrayList<>();
            List<Integer> restoredSeqs = new ArrayList<>();
            int restored = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT seq, kind, document_key, pre_value::text, pre_version,"
                    + " handler_topic, handler_subtype, undo::text FROM snapshots WHERE task_id = ? AND restored_at IS NULL"
                    + " ORDER BY seq DESC")) {
                s.setString(1, taskId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        int seq = rs.getInt(1);
                        if ("DOCUMENT".equals(rs.getString(2))) {
                            String key = rs.getString(3);
                            String holder = laterHolder(c, key, heldEpochs.get(key));
                            if (holder != null) {
                                conflicts.add("'" + key + "' (granted since to task " + holder + ")");
                                continue;
                            }
                            compensations.add(restore(c, taskId, seq, key, rs.getString(4), (Long) rs.getObject(5),
                                    now));
                            restoredSeqs.add(seq);
                            restored++;
                        } else {
                            undo.add(UndoRecord.newBuilder().setSequence(seq).setHandlerTopic(rs.getString(6))
                                    .setHandlerSubtype(rs.getString(7)).setUndoJson(rs.getString(8)).build());
                        }
                    }
                }
            }
            markRestored(c, taskId, restoredSeqs, now);
            if (!conflicts.isEmpty()) {
                TaskFailure failure = TaskFailure.newBuilder().setCode("RESTORE_CONFLICT").setMessage(
                        "not restored, because a later task holds the key's lock: " + String.join(", ", conflicts)
                                + (undo.isEmpty() ? "" : "; " + undo.size() + " external action(s) not undone"))
                        .setRetryable(false).build();
                insertRollback(c, command, "ROLLBACK_FAILED", restored, undo.size(), failure, now, now);
                return new Plan(taskId, compensations, report(taskId, false, restored, 0, failure, now), null);
            }
            if (undo.isEmpty()) {
                insertRollback(c, command, "ROLLED_BACK", restored, 0, null, now, now);
                return new Plan(taskId, compensations, report(taskId, true, restored, 0, null, now), null);
            }
            insertRollback(c, command, "AWAITING_COMPENSATION", restored, undo.size(), null, now, null);
            Instant notBefore = undoNotBefore(c, command, now);
            setCompensationDeadline(c, taskId, notBefore.plus(compensationTimeout), false);
            return new Plan(taskId, compensations, null, compensationItem(taskId, command.getFencingToken(), undo,
                    now, notBefore, compensationTimeout));
        });
        metrics.rollback(plan.report() == null ? "AWAITING_COMPENSATION"
                : plan.report().getRolledBack() ? "ROLLED_BACK" : "ROLLBACK_FAILED", System.nanoTime() - started);
        return plan;
    }

    /** Seals the task in a transaction of its own: for a rollback that could not be carried out. */
    public void sealOnly(RollbackCommand command) {
        inTransaction(dataSource, c -> {
            sealFence(c, command);
            return null;
        });
    }

    /**
     * The plan for a rollback command that the database refused for its content (nothing was restored): a report
     * that the rollback failed, with the reason, so that the task ends visibly instead of waiting out its timeout.
     */
    public Plan refused(RollbackCommand command, String reason) {
        TaskFailure failure = TaskFailure.newBuilder().setCode("ROLLBACK_REFUSED")
                .setMessage(ContentRules.storable("the history service could not store this rollback: " + reason))
                .setRetryable(false).build();
        return new Plan(command.getTaskId(), List.of(), report(command.getTaskId(), false, 0, 0, failure,
                Instant.now()), null);
    }

    /** The workers' report on a COMPENSATE work item: the rollback ends with it. */
    public Plan compensated(TaskResult result) {
        return inTransaction(dataSource, c -> {
            String taskId = result.getTaskId();
            try (PreparedStatement s = c.prepareStatement("SELECT status, restored_documents, external_actions FROM"
                    + " rollbacks WHERE task_id = ? FOR UPDATE")) {
                s.setString(1, taskId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    if (!"AWAITING_COMPENSATION".equals(rs.getString(1))) {
                        // A report delivered again (the first one's sends may have been lost): answer with the
                        // stored outcome again.
                        return storedOutcome(c, taskId);
                    }
                    int restored = rs.getInt(2);
                    Instant now = Instant.now();
                    List<CompensationEvent> events = new ArrayList<>();
                    List<String> failures = new ArrayList<>();
                    for (CompensationOutcome outcome : result.getCompensations()) {
                        events.add(CompensationEvent.newBuilder().setTaskId(taskId)
                                .setSnapshotSequence(outcome.getSequence())
                                .setAction(outcome.getSucceeded() ? CompensationAction.EXTERNAL_UNDONE
                                        : CompensationAction.EXTERNAL_UNDO_FAILED)
                                .setOccurredAt(now).build());
                        if (!outcome.getSucceeded()) {
                            failures.add("#" + outcome.getSequence() + ": " + (outcome.getFailure() == null ? "failed"
                                    : ContentRules.storable(outcome.getFailure().getCode() + " "
                                            + outcome.getFailure().getMessage())));
                        }
                    }
                    boolean ok = result.getSucceeded() && failures.isEmpty();
                    TaskFailure failure = ok ? null : TaskFailure.newBuilder().setCode("COMPENSATION_FAILED")
                            .setMessage(failures.isEmpty() ? ContentRules.storable(String.valueOf(result.getFailure()))
                                    : String.join("; ", failures)).setRetryable(false).build();
                    finishRollback(c, taskId, ok, failure, now);
                    return new Plan(taskId, events,
                            report(taskId, ok, restored, result.getCompensations().size(), failure, now), null);
                }
            }
        });
    }

    private static void sealFence(Connection c, RollbackCommand command) throws SQLException {
        // Created sealed if history never saw the task dispatched: nothing can then be written for it, ever.
        try (PreparedStatement s = c.prepareStatement("INSERT INTO task_fences (task_id, topic, state, fencing_token,"
                + " sealed, sealed_at) VALUES (?, ?, 'ROLLING_BACK', ?, TRUE, clock_timestamp()) ON CONFLICT (task_id)"
                + " DO UPDATE SET sealed = TRUE, sealed_at = COALESCE(task_fences.sealed_at, clock_timestamp()),"
                // A repeated command must not move a fence that already ended back to ROLLING_BACK.
                + " state = CASE WHEN task_fences.sealed THEN task_fences.state ELSE 'ROLLING_BACK' END,"
                + " updated_at = now()")) {
            s.setString(1, command.getTaskId());
            s.setString(2, command.getTopic());
            s.setLong(3, command.getFencingToken());
            s.executeUpdate();
        }
        // Taking the row lock (the UPSERT above holds it) orders this seal after every write already in progress.
    }

    /**
     * The plan for a command delivered again, derived from what the first one stored; null for a first delivery.
     * Awaiting the workers: the compensation goes to them again (a lost or expired work item), until the bound.
     */
    private Plan previousOutcome(Connection c, RollbackCommand command, Duration compensationTimeout,
            int maxAttempts) throws SQLException {
        String taskId = command.getTaskId();
        try (PreparedStatement s = c.prepareStatement("SELECT status, compensation_attempts, restored_documents,"
                + " external_actions, compensation_deadline, compensation_sent_at FROM rollbacks WHERE task_id = ?"
                + " FOR UPDATE")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                if (!"AWAITING_COMPENSATION".equals(rs.getString(1))) {
                    return storedOutcome(c, taskId);
                }
                int attempts = rs.getInt(2);
                Instant now = now();
                List<CompensationEvent> restored = restoredDocuments(c, taskId);
                Timestamp runsUntil = rs.getTimestamp(5);
                if (runsUntil != null && now.isBefore(runsUntil.toInstant())) {
                    if (rs.getTimestamp(6) == null) {
                        // Stored but never acknowledged by Kafka: the service died between its commit and the send.
                        // The same item again (same deadline, not another attempt): nobody can be running it.
                        Instant notBefore = runsUntil.toInstant().minus(compensationTimeout);
                        return new Plan(taskId, restored, null, compensationItem(taskId, command.getFencingToken(),
                                pendingUndo(c, taskId), now, notBefore, compensationTimeout));
                    }
                    // The workers have the last compensation item (a redelivered command, or one re-sent early):
                    // handing it out again now would run the same undo twice at once, and use up an attempt.
                    return new Plan(taskId, restored, null, null);
                }
                if (attempts >= maxAttempts) {
                    TaskFailure failure = TaskFailure.newBuilder().setCode("COMPENSATION_TIMEOUT").setMessage(
                            "the workers did not report the compensation after " + attempts + " attempts")
                            .setRetryable(false).build();
                    finishRollback(c, taskId, false, failure, now);
                    return new Plan(taskId, restored, report(taskId, false, rs.getInt(3), rs.getInt(4), failure, now),
                            null);
                }
                Instant notBefore = undoNotBefore(c, command, now);
                setCompensationDeadline(c, taskId, notBefore.plus(compensationTimeout), true);
                return new Plan(taskId, restored, null, compensationItem(taskId, command.getFencingToken(),
                        pendingUndo(c, taskId), now, notBefore, compensationTimeout));
            }
        }
    }

    /** A finished rollback as it was stored: its report, and the compensating events of what it restored. */
    private static Plan storedOutcome(Connection c, String taskId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT status, restored_documents, external_actions,"
                + " failure_code, failure_message, finished_at FROM rollbacks WHERE task_id = ?")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Timestamp finished = rs.getTimestamp(6);
                TaskFailure failure = rs.getString(4) == null ? null : TaskFailure.newBuilder()
                        .setCode(rs.getString(4)).setMessage(rs.getString(5)).setRetryable(false).build();
                return new Plan(taskId, restoredDocuments(c, taskId), report(taskId, "ROLLED_BACK".equals(
                        rs.getString(1)), rs.getInt(2), rs.getInt(3), failure,
                        finished == null ? Instant.now() : finished.toInstant()), null);
            }
        }
    }

    private static void setCompensationDeadline(Connection c, String taskId, Instant until, boolean anotherAttempt)
            throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET compensation_deadline = ?,"
                + " compensation_sent_at = NULL, compensation_attempts = compensation_attempts + ? WHERE task_id = ?")) {
            u.setTimestamp(1, Timestamp.from(until));
            u.setInt(2, anotherAttempt ? 1 : 0);
            u.setString(3, taskId);
            u.executeUpdate();
        }
    }

    /**
     * Kafka acknowledged the compensation item that runs until {@code deadline}: a command delivered again before then
     * does not send it a second time. Called after the send, outside the rollback's transaction (a crash before this
     * call sends the item once more, which the workers' per-undo idempotency keys absorb).
     */
    public void compensationSent(String taskId, Instant deadline) {
        inTransaction(dataSource, c -> {
            try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET compensation_sent_at = now()"
                    + " WHERE task_id = ? AND status = 'AWAITING_COMPENSATION' AND compensation_deadline = ?")) {
                u.setString(1, taskId);
                u.setTimestamp(2, Timestamp.from(deadline));
                return u.executeUpdate();
            }
        });
    }

    /** Milliseconds, as Avro carries instants: the deadline in a work item then equals the stored one. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    /** The compensating events of the document snapshots a rollback restored, newest first, as first sent. */
    private static List<CompensationEvent> restoredDocuments(Connection c, String taskId) throws SQLException {
        List<CompensationEvent> events = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT seq, document_key, pre_value::text,"
                + " COALESCE(restored_version, pre_version), restored_at FROM snapshots WHERE task_id = ?"
                + " AND kind = 'DOCUMENT' AND restored_at IS NOT NULL"
                + " ORDER BY seq DESC")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String preValue = rs.getString(3);
                    events.add(CompensationEvent.newBuilder().setTaskId(taskId).setSnapshotSequence(rs.getInt(1))
                            .setDocumentKey(rs.getString(2))
                            .setAction(preValue == null ? CompensationAction.DOCUMENT_DELETED
                                    : CompensationAction.DOCUMENT_RESTORED)
                            .setRestoredValueJson(preValue).setRestoredVersion((Long) rs.getObject(4))
                            .setOccurredAt(rs.getTimestamp(5).toInstant()).build());
                }
            }
        }
        return events;
    }

    private static List<UndoRecord> pendingUndo(Connection c, String taskId) throws SQLException {
        List<UndoRecord> undo = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT seq, handler_topic, handler_subtype, undo::text"
                + " FROM snapshots WHERE task_id = ? AND kind = 'EXTERNAL' AND restored_at IS NULL ORDER BY seq DESC")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    undo.add(UndoRecord.newBuilder().setSequence(rs.getInt(1)).setHandlerTopic(rs.getString(2))
                            .setHandlerSubtype(rs.getString(3)).setUndoJson(rs.getString(4)).build());
                }
            }
        }
        return undo;
    }

    /**
     * The item that hands the undo records to the workers of the task's topic (every undo record of a task names it).
     * It runs from {@code notBefore} for {@code compensationTimeout}.
     */
    private static WorkItem compensationItem(String taskId, long fencingToken, List<UndoRecord> undo, Instant now,
            Instant notBefore, Duration compensationTimeout) {
        return WorkItem.newBuilder().setTaskId(taskId).setKind(WorkKind.COMPENSATE)
                .setTopic(undo.get(0).getHandlerTopic()).setSubtype("compensate").setAttempt(0)
                .setFencingToken(fencingToken).setDeadline(notBefore.plus(compensationTimeout)).setDispatchedAt(now)
                .setNotBefore(notBefore).setIdempotencyKey(taskId + ":compensate").setUndoRecords(undo).build();
    }

    /**
     * When the undo may start. After the attempt's own result (cause FAILED), now: the handler that made the call has
     * returned, and no other execution of the attempt reports. Otherwise (cancelled, timed out) not before the
     * attempt's deadline plus {@code tasks.history.undo-grace}: the handler's call is bounded by that deadline, and an
     * undo sent earlier could reach the external service before the call it undoes.
     */
    private Instant undoNotBefore(Connection c, RollbackCommand command, Instant now) throws SQLException {
        if (command.getCause() == io.stackl.tasks.schema.TaskState.FAILED) {
            return now;
        }
        String taskId = command.getTaskId();
        try (PreparedStatement s = c.prepareStatement("SELECT max(e.deadline) FROM task_events e JOIN task_fences f"
                + " USING (task_id) WHERE e.task_id = ? AND e.state = 'DISPATCHED'"
                + " AND e.fencing_token = f.fencing_token")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                Timestamp deadline = rs.next() ? rs.getTimestamp(1) : null;
                Instant earliest = deadline == null ? now : deadline.toInstant().plus(undoGrace)
                        .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
                return earliest.isAfter(now) ? earliest : now;
            }
        }
    }

    private static RollbackReport report(String taskId, boolean rolledBack, int restored, int compensated,
            TaskFailure failure, Instant at) {
        return RollbackReport.newBuilder().setTaskId(taskId).setRolledBack(rolledBack).setRestoredDocuments(restored)
                .setCompensatedActions(compensated).setFailure(failure).setFinishedAt(at).build();
    }

    private static void finishRollback(Connection c, String taskId, boolean ok, TaskFailure failure, Instant now)
            throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET status = ?, failure_code = ?,"
                + " failure_message = ?, finished_at = ? WHERE task_id = ?")) {
            u.setString(1, ok ? "ROLLED_BACK" : "ROLLBACK_FAILED");
            u.setString(2, failure == null ? null : failure.getCode());
            u.setString(3, failure == null ? null : failure.getMessage());
            u.setTimestamp(4, Timestamp.from(now));
            u.setString(5, taskId);
            u.executeUpdate();
        }
    }

    /** The lock epoch the task held on each declared key (empty from a broker that did not number grants). */
    private static Map<String, Long> heldEpochs(Connection c, String taskId) throws SQLException {
        Map<String, Long> epochs = new java.util.HashMap<>();
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

    /** The task granted the key after {@code epoch}, if any; the row lock orders this against the next grant. */
    private static String laterHolder(Connection c, String key, Long epoch) throws SQLException {
        if (epoch == null || epoch <= 0) {
            return null;
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT task_id, epoch FROM document_locks WHERE key = ? FOR SHARE")) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getLong(2) > epoch ? rs.getString(1) : null;
            }
        }
    }

    private static CompensationEvent restore(Connection c, String taskId, int seq, String key, String preValue,
            Long preVersion, Instant now) throws SQLException {
        if (preValue == null) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM documents WHERE key = ?")) {
                s.setString(1, key);
                s.executeUpdate();
            }
        }
        Long restoredVersion = null;
        if (preValue != null) {
            restoredVersion = nextVersion(c, taskId, key, preVersion);
            try (PreparedStatement s = c.prepareStatement("INSERT INTO documents (key, value, version, updated_at,"
                    + " updated_by) VALUES (?, ?::jsonb, ?, now(), ?) ON CONFLICT (key) DO UPDATE SET"
                    + " value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,"
                    + " updated_by = EXCLUDED.updated_by")) {
                s.setString(1, key);
                s.setString(2, preValue);
                s.setLong(3, restoredVersion);
                s.setString(4, "rollback:" + taskId);
                s.executeUpdate();
            }
        }
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE snapshots SET restored_version = ? WHERE task_id = ? AND seq = ?")) {
            s.setObject(1, restoredVersion);
            s.setString(2, taskId);
            s.setInt(3, seq);
            s.executeUpdate();
        }
        return CompensationEvent.newBuilder().setTaskId(taskId).setSnapshotSequence(seq).setDocumentKey(key)
                .setAction(preValue == null ? CompensationAction.DOCUMENT_DELETED : CompensationAction.DOCUMENT_RESTORED)
                .setRestoredValueJson(preValue).setRestoredVersion(restoredVersion).setOccurredAt(now).build();
    }

    /**
     * The version a restored value gets: above every version the key had while the task held it (the pre-image's, the
     * task's own writes', the current one's), so that one version number never names two values. The value is the
     * pre-image, exactly; only its number moves on.
     */
    private static long nextVersion(Connection c, String taskId, String key, Long preVersion) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT GREATEST(?, (SELECT version FROM documents WHERE key = ?),"
                + " (SELECT max(pre_version) FROM snapshots WHERE task_id = ? AND document_key = ?))")) {
            s.setLong(1, preVersion == null ? 0 : preVersion);
            s.setString(2, key);
            s.setString(3, taskId);
            s.setString(4, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) + 1;
            }
        }
    }

    /** Marks the snapshots actually restored (a skipped, conflicting one stays unmarked: it was not restored). */
    private static void markRestored(Connection c, String taskId, List<Integer> seqs, Instant now)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE snapshots SET restored_at = ? WHERE task_id = ? AND seq = ANY (?)")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setString(2, taskId);
            s.setArray(3, c.createArrayOf("integer", seqs.toArray()));
            s.executeUpdate();
        }
    }

    private static void insertRollback(Connection c, RollbackCommand command, String status, int restored,
            int external, TaskFailure failure, Instant started, Instant finished) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO rollbacks (task_id, cause, status,"
                + " restored_documents, external_actions, failure_code, failure_message, requested_at, started_at,"
                + " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, command.getTaskId());
            s.setString(2, command.getCause().toString());
            s.setString(3, status);
            s.setInt(4, restored);
            s.setInt(5, external);
            s.setString(6, failure == null ? null : failure.getCode());
            s.setString(7, failure == null ? null : failure.getMessage());
            s.setTimestamp(8, Timestamp.from(command.getRequestedAt()));
            s.setTimestamp(9, Timestamp.from(started));
            s.setTimestamp(10, finished == null ? null : Timestamp.from(finished));
            s.executeUpdate();
        }
    }

    /** Used by queries: the rollback record of a task, if any. */
    public Map<String, Object> find(String taskId) {
        return inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT cause, status, restored_documents, external_actions,"
                    + " failure_code, failure_message, started_at, finished_at FROM rollbacks WHERE task_id = ?")) {
                s.setString(1, taskId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    java.util.LinkedHashMap<String, Object> row = new java.util.LinkedHashMap<>();
                    row.put("cause", rs.getString(1));
                    row.put("status", rs.getString(2));
                    row.put("restoredDocuments", rs.getInt(3));
                    row.put("externalActions", rs.getInt(4));
                    row.put("failureCode", rs.getString(5));
                    row.put("failureMessage", rs.getString(6));
                    row.put("startedAt", rs.getTimestamp(7).toInstant());
                    row.put("finishedAt", rs.getTimestamp(8) == null ? null : rs.getTimestamp(8).toInstant());
                    return row;
                }
            }
        });
    }
}

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
 * is deleted, one it deleted comes back, one it changed many times gets its first pre-image back, version included.
 * External undo records go to the workers as one COMPENSATE work item; their report ends the rollback. A rollback
 * command delivered again restores nothing twice: the stored rollback's outcome is reported again instead.
 */
@ApplicationScoped
public class RollbackService {

    private final DataSource dataSource;
    private final HistoryMetrics metrics;

    RollbackService(DataSource dataSource, HistoryMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    /**
     * What to send after the transaction committed: compensating events, and either the report to the broker or the
     * compensation work item for the workers.
     */
    public record Plan(String taskId, List<CompensationEvent> compensations, RollbackReport report, WorkItem compensation) {}

    public Plan rollback(RollbackCommand command, Duration compensationTimeout) {
        long started = System.nanoTime();
        Plan plan = inTransaction(dataSource, c -> {
            String taskId = command.getTaskId();
            sealFence(c, command);
            Plan done = previousOutcome(c, taskId);
            if (done != null) {
                return done;
            }
            Instant now = Instant.now();
            List<CompensationEvent> compensations = new ArrayList<>();
            List<UndoRecord> undo = new ArrayList<>();
            int restored = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT seq, kind, document_key, pre_value::text, pre_version,"
                    + " handler_topic, handler_subtype, undo::text FROM snapshots WHERE task_id = ? AND restored_at IS NULL"
                    + " ORDER BY seq DESC")) {
                s.setString(1, taskId);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        int seq = rs.getInt(1);
                        if ("DOCUMENT".equals(rs.getString(2))) {
                            compensations.add(restore(c, taskId, seq, rs.getString(3), rs.getString(4),
                                    (Long) rs.getObject(5), now));
                            restored++;
                        } else {
                            undo.add(UndoRecord.newBuilder().setSequence(seq).setHandlerTopic(rs.getString(6))
                                    .setHandlerSubtype(rs.getString(7)).setUndoJson(rs.getString(8)).build());
                        }
                    }
                }
            }
            markRestored(c, taskId, now);
            if (undo.isEmpty()) {
                RollbackReport report = RollbackReport.newBuilder().setTaskId(taskId).setRolledBack(true)
                        .setRestoredDocuments(restored).setCompensatedActions(0).setFinishedAt(now).build();
                insertRollback(c, command, "ROLLED_BACK", restored, 0, null, now, now);
                return new Plan(taskId, compensations, report, null);
            }
            insertRollback(c, command, "AWAITING_COMPENSATION", restored, undo.size(), null, now, null);
            String topic = undo.get(0).getHandlerTopic();
            WorkItem item = WorkItem.newBuilder().setTaskId(taskId).setKind(WorkKind.COMPENSATE).setTopic(topic)
                    .setSubtype("compensate").setAttempt(0).setFencingToken(command.getFencingToken())
                    .setDeadline(now.plus(compensationTimeout)).setDispatchedAt(now)
                    .setIdempotencyKey(taskId + ":compensate").setUndoRecords(undo).build();
            return new Plan(taskId, compensations, null, item);
        });
        metrics.rollback(plan.report() == null ? "AWAITING_COMPENSATION"
                : plan.report().getRolledBack() ? "ROLLED_BACK" : "ROLLBACK_FAILED", System.nanoTime() - started);
        return plan;
    }

    /**
     * The plan for a rollback command that the database refused for its content (nothing was restored): a report
     * that the rollback failed, with the reason, so that the task ends visibly instead of waiting out its timeout.
     */
    public Plan refused(RollbackCommand command, String reason) {
        TaskFailure failure = TaskFailure.newBuilder().setCode("ROLLBACK_REFUSED")
                .setMessage(ContentRules.storable("the history service could not store this rollback: " + reason))
                .setRetryable(false).build();
        RollbackReport report = RollbackReport.newBuilder().setTaskId(command.getTaskId()).setRolledBack(false)
                .setRestoredDocuments(0).setCompensatedActions(0).setFailure(failure).setFinishedAt(Instant.now())
                .build();
        return new Plan(command.getTaskId(), List.of(), report, null);
    }

    /** The workers' report on a COMPENSATE work item: the rollback ends with it. */
    public Plan compensated(TaskResult result) {
        return inTransaction(dataSource, c -> {
            String taskId = result.getTaskId();
            try (PreparedStatement s = c.prepareStatement("SELECT status, restored_documents, external_actions FROM"
                    + " rollbacks WHERE task_id = ? FOR UPDATE")) {
                s.setString(1, taskId);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next() || !"AWAITING_COMPENSATION".equals(rs.getString(1))) {
                        return null;
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
                    try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET status = ?, failure_code = ?,"
                            + " failure_message = ?, finished_at = ? WHERE task_id = ?")) {
                        u.setString(1, ok ? "ROLLED_BACK" : "ROLLBACK_FAILED");
                        u.setString(2, failure == null ? null : failure.getCode());
                        u.setString(3, failure == null ? null : failure.getMessage());
                        u.setTimestamp(4, Timestamp.from(now));
                        u.setString(5, taskId);
                        u.executeUpdate();
                    }
                    RollbackReport report = RollbackReport.newBuilder().setTaskId(taskId).setRolledBack(ok)
                            .setRestoredDocuments(restored).setCompensatedActions(result.getCompensations().size())
                            .setFailure(failure).setFinishedAt(now).build();
                    return new Plan(taskId, events, report, null);
                }
            }
        });
    }

    private static void sealFence(Connection c, RollbackCommand command) throws SQLException {
        // Created sealed if history never saw the task dispatched: nothing can then be written for it, ever.
        try (PreparedStatement s = c.prepareStatement("INSERT INTO task_fences (task_id, topic, state, fencing_token,"
                + " sealed, sealed_at) VALUES (?, ?, 'ROLLING_BACK', ?, TRUE, clock_timestamp()) ON CONFLICT (task_id)"
                + " DO UPDATE SET sealed = TRUE, sealed_at = COALESCE(task_fences.sealed_at, clock_timestamp()),"
                + " state = 'ROLLING_BACK',"
                + " updated_at = now()")) {
            s.setString(1, command.getTaskId());
            s.setString(2, command.getTopic());
            s.setLong(3, command.getFencingToken());
            s.executeUpdate();
        }
        // Taking the row lock (the UPSERT above holds it) orders this seal after every write already in progress.
    }

    private static Plan previousOutcome(Connection c, String taskId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT status, restored_documents, external_actions,"
                + " failure_code, failure_message, finished_at FROM rollbacks WHERE task_id = ?")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String status = rs.getString(1);
                if ("AWAITING_COMPENSATION".equals(status)) {
                    // Already handed to the workers; their report ends it.
                    return new Plan(taskId, List.of(), null, null);
                }
                Timestamp finished = rs.getTimestamp(6);
                RollbackReport report = RollbackReport.newBuilder().setTaskId(taskId)
                        .setRolledBack("ROLLED_BACK".equals(status)).setRestoredDocuments(rs.getInt(2))
                        .setCompensatedActions(rs.getInt(3))
                        .setFailure(rs.getString(4) == null ? null : TaskFailure.newBuilder().setCode(rs.getString(4))
                                .setMessage(rs.getString(5)).setRetryable(false).build())
                        .setFinishedAt(finished == null ? Instant.now() : finished.toInstant()).build();
                return new Plan(taskId, List.of(), report, null);
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
        } else {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO documents (key, value, version, updated_at,"
                    + " updated_by) VALUES (?, ?::jsonb, ?, now(), ?) ON CONFLICT (key) DO UPDATE SET"
                    + " value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,"
                    + " updated_by = EXCLUDED.updated_by")) {
                s.setString(1, key);
                s.setString(2, preValue);
                s.setLong(3, preVersion);
                s.setString(4, "rollback:" + taskId);
                s.executeUpdate();
            }
        }
        return CompensationEvent.newBuilder().setTaskId(taskId).setSnapshotSequence(seq).setDocumentKey(key)
                .setAction(preValue == null ? CompensationAction.DOCUMENT_DELETED : CompensationAction.DOCUMENT_RESTORED)
                .setRestoredValueJson(preValue).setRestoredVersion(preVersion).setOccurredAt(now).build();
    }

    private static void markRestored(Connection c, String taskId, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE snapshots SET restored_at = ? WHERE task_id = ? AND restored_at IS NULL AND kind = 'DOCUMENT'")) {
            s.setTimestamp(1, Timestamp.from(now));
            s.setString(2, taskId);
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

package io.stackl.tasks.history.service;

import static io.stackl.tasks.history.repository.Jdbc.inTransaction;

import io.stackl.tasks.history.config.HistoryConfig;
import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.history.repository.DocumentRepository;
import io.stackl.tasks.history.repository.FenceRepository;
import io.stackl.tasks.history.repository.FenceRepository.LockHolder;
import io.stackl.tasks.history.repository.RollbackRepository;
import io.stackl.tasks.history.repository.RollbackRepository.Rollback;
import io.stackl.tasks.history.repository.SnapshotRepository;
import io.stackl.tasks.history.repository.SnapshotRepository.RestoredDocument;
import io.stackl.tasks.history.repository.SnapshotRepository.Snapshot;
import io.stackl.tasks.schema.CompensationAction;
import io.stackl.tasks.schema.CompensationEvent;
import io.stackl.tasks.schema.CompensationOutcome;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.UndoRecord;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

    RollbackService(DataSource dataSource, HistoryMetrics metrics, HistoryConfig config) {
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
            Rollback latest = RollbackRepository.lock(c, taskId);
            if (latest != null && latest.fencingToken() > command.getFencingToken()) {
                // A command delivered again for an earlier attempt, whose rollback was done before that attempt's retry
                // (ADR 0012): nothing to do, and nothing to seal (the fence belongs to a later attempt).
                return new Plan(taskId, List.of(), null, null);
            }
            // Token 0: a row written by a history service before ADR 0012 (during a rolling upgrade): the current one.
            if (latest != null && latest.fencingToken() != 0 && latest.fencingToken() < command.getFencingToken()) {
                RollbackRepository.forgetEarlierAttempt(c, taskId, command.getFencingToken());
            }
            FenceRepository.sealForRollback(c, taskId, command.getTopic(), command.getFencingToken());
            Plan done = previousOutcome(c, command, compensationTimeout, maxCompensationAttempts);
            if (done != null) {
                return done;
            }
            Instant now = now();
            Map<String, Long> heldEpochs = FenceRepository.heldEpochs(c, taskId);
            List<CompensationEvent> compensations = new ArrayList<>();
            List<UndoRecord> undo = new ArrayList<>();
            List<String> conflicts = new ArrayList<>();
            List<Integer> restoredSeqs = new ArrayList<>();
            for (Snapshot snapshot : SnapshotRepository.unrestored(c, taskId)) {
                if (!snapshot.isDocument()) {
                    undo.add(undoRecord(snapshot));
                    continue;
                }
                String key = snapshot.documentKey();
                String holder = laterHolder(c, key, heldEpochs.get(key));
                if (holder != null) {
                    conflicts.add("'" + key + "' (granted since to task " + holder + ")");
                    continue;
                }
                compensations.add(restore(c, taskId, snapshot, now));
                restoredSeqs.add(snapshot.seq());
            }
            int restored = restoredSeqs.size();
            SnapshotRepository.markRestored(c, taskId, restoredSeqs, now);
            String cause = command.getCause().toString();
            if (!conflicts.isEmpty()) {
                TaskFailure failure = TaskFailure.newBuilder().setCode("RESTORE_CONFLICT").setMessage(
                        "not restored, because a later task holds the key's lock: " + String.join(", ", conflicts)
                                + (undo.isEmpty() ? "" : "; " + undo.size() + " external action(s) not undone"))
                        .setRetryable(false).build();
                RollbackRepository.insert(c, taskId, command.getFencingToken(), cause, "ROLLBACK_FAILED", restored,
                        undo.size(), failure.getCode(), failure.getMessage(), command.getRequestedAt(), now, now);
                return new Plan(taskId, compensations, report(taskId, command.getFencingToken(), false, restored, 0,
                        failure, now), null);
            }
            if (undo.isEmpty()) {
                RollbackRepository.insert(c, taskId, command.getFencingToken(), cause, "ROLLED_BACK", restored, 0, null,
                        null, command.getRequestedAt(), now, now);
                return new Plan(taskId, compensations, report(taskId, command.getFencingToken(), true, restored, 0, null,
                        now), null);
            }
            RollbackRepository.insert(c, taskId, command.getFencingToken(), cause, "AWAITING_COMPENSATION", restored,
                    undo.size(), null, null, command.getRequestedAt(), now, null);
            Instant notBefore = undoNotBefore(c, command, now);
            RollbackRepository.setCompensationDeadline(c, taskId, notBefore.plus(compensationTimeout), false);
            return new Plan(taskId, compensations, null, compensationItem(taskId, command, undo,
                    now, notBefore, compensationTimeout));
        });
        metrics.rollback(plan.report() == null ? "AWAITING_COMPENSATION"
                : plan.report().getRolledBack() ? "ROLLED_BACK" : "ROLLBACK_FAILED", System.nanoTime() - started);
        return plan;
    }

    /** Seals the task in a transaction of its own: for a rollback that could not be carried out. */
    public void sealOnly(RollbackCommand command) {
        inTransaction(dataSource, c -> {
            FenceRepository.sealForRollback(c, command.getTaskId(), command.getTopic(), command.getFencingToken());
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
        return new Plan(command.getTaskId(), List.of(), report(command.getTaskId(), command.getFencingToken(), false,
                0, 0, failure, Instant.now()), null);
    }

    /** The workers' report on a COMPENSATE work item: the rollback ends with it. */
    public Plan compensated(TaskResult result) {
        return inTransaction(dataSource, c -> {
            String taskId = result.getTaskId();
            Rollback rollback = RollbackRepository.lock(c, taskId);
            if (rollback == null
                    || (rollback.fencingToken() != 0 && rollback.fencingToken() != result.getFencingToken())) {
                // None, or the report of an earlier attempt's compensation, whose rollback is over (ADR 0012).
                return null;
            }
            if (!rollback.awaitingCompensation()) {
                // A report delivered again (the first one's sends may have been lost): the stored outcome again.
                return storedOutcome(c, taskId, rollback);
            }
            Instant now = Instant.now();
            List<CompensationEvent> events = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (CompensationOutcome outcome : result.getCompensations()) {
                events.add(CompensationEvent.newBuilder().setTaskId(taskId).setSnapshotSequence(outcome.getSequence())
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
            // Undone external actions are done with: a later attempt's rollback must not hand them out again (ADR 0012).
            SnapshotRepository.markRestored(c, taskId, result.getCompensations().stream()
                    .filter(CompensationOutcome::getSucceeded).map(CompensationOutcome::getSequence).toList(), now);
            TaskFailure failure = ok ? null : TaskFailure.newBuilder().setCode("COMPENSATION_FAILED")
                    .setMessage(failures.isEmpty() ? ContentRules.storable(String.valueOf(result.getFailure()))
                            : String.join("; ", failures)).setRetryable(false).build();
            finish(c, taskId, ok, failure, now);
            return new Plan(taskId, events, report(taskId, rollback.fencingToken(), ok, rollback.restoredDocuments(),
                    result.getCompensations().size(), failure, now), null);
        });
    }

    /**
     * The plan for a command delivered again, derived from what the first one stored; null for a first delivery.
     * Awaiting the workers: the compensation goes to them again (a lost or expired work item), until the bound.
     */
    private Plan previousOutcome(Connection c, RollbackCommand command, Duration compensationTimeout,
            int maxAttempts) throws SQLException {
        String taskId = command.getTaskId();
        Rollback rollback = RollbackRepository.lock(c, taskId);
        if (rollback == null) {
            return null;
        }
        if (!rollback.awaitingCompensation()) {
            return storedOutcome(c, taskId, rollback);
        }
        Instant now = now();
        List<CompensationEvent> restored = restoredDocuments(c, taskId);
        Instant runsUntil = rollback.compensationDeadline();
        if (runsUntil != null && now.isBefore(runsUntil)) {
            if (rollback.compensationSentAt() == null) {
                // Stored but never acknowledged by Kafka: the service died between its commit and the send. The same
                // item again (same deadline, not another attempt): nobody can be running it.
                Instant notBefore = runsUntil.minus(compensationTimeout);
                return new Plan(taskId, restored, null, compensationItem(taskId, command,
                        pendingUndo(c, taskId), now, notBefore, compensationTimeout));
            }
            // The workers have the last compensation item (a redelivered command, or one re-sent early): handing it
            // out again now would run the same undo twice at once, and use up an attempt.
            return new Plan(taskId, restored, null, null);
        }
        int attempts = rollback.compensationAttempts();
        if (attempts >= maxAttempts) {
            TaskFailure failure = TaskFailure.newBuilder().setCode("COMPENSATION_TIMEOUT").setMessage(
                    "the workers did not report the compensation after " + attempts + " attempts")
                    .setRetryable(false).build();
            finish(c, taskId, false, failure, now);
            return new Plan(taskId, restored, report(taskId, rollback.fencingToken(), false,
                    rollback.restoredDocuments(), rollback.externalActions(), failure, now), null);
        }
        Instant notBefore = undoNotBefore(c, command, now);
        RollbackRepository.setCompensationDeadline(c, taskId, notBefore.plus(compensationTimeout), true);
        return new Plan(taskId, restored, null, compensationItem(taskId, command,
                pendingUndo(c, taskId), now, notBefore, compensationTimeout));
    }

    /** A finished rollback as it was stored: its report, and the compensating events of what it restored. */
    private static Plan storedOutcome(Connection c, String taskId, Rollback rollback) throws SQLException {
        TaskFailure failure = rollback.failureCode() == null ? null : TaskFailure.newBuilder()
                .setCode(rollback.failureCode()).setMessage(rollback.failureMessage()).setRetryable(false).build();
        return new Plan(taskId, restoredDocuments(c, taskId), report(taskId, rollback.fencingToken(),
                rollback.rolledBack(),
                rollback.restoredDocuments(), rollback.externalActions(), failure,
                rollback.finishedAt() == null ? Instant.now() : rollback.finishedAt()), null);
    }

    /**
     * Kafka acknowledged the compensation item that runs until {@code deadline}: a command delivered again before then
     * does not send it a second time. Called after the send, outside the rollback's transaction (a crash before this
     * call sends the item once more, which the workers' per-undo idempotency keys absorb).
     */
    public void compensationSent(String taskId, Instant deadline) {
        inTransaction(dataSource, c -> RollbackRepository.markCompensationSent(c, taskId, deadline));
    }

    /** Milliseconds, as Avro carries instants: the deadline in a work item then equals the stored one. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** The compensating events of the document snapshots a rollback restored, newest first, as first sent. */
    private static List<CompensationEvent> restoredDocuments(Connection c, String taskId) throws SQLException {
        List<CompensationEvent> events = new ArrayList<>();
        for (RestoredDocument restored : SnapshotRepository.restoredDocuments(c, taskId)) {
            events.add(compensationEvent(taskId, restored.seq(), restored.documentKey(), restored.preValue(),
                    restored.restoredVersion(), restored.restoredAt()));
        }
        return events;
    }

    private static List<UndoRecord> pendingUndo(Connection c, String taskId) throws SQLException {
        return SnapshotRepository.pendingUndo(c, taskId).stream().map(RollbackService::undoRecord).toList();
    }

    private static UndoRecord undoRecord(Snapshot snapshot) {
        return UndoRecord.newBuilder().setSequence(snapshot.seq()).setHandlerTopic(snapshot.handlerTopic())
                .setHandlerSubtype(snapshot.handlerSubtype()).setUndoJson(snapshot.undoJson()).build();
    }

    private static CompensationEvent compensationEvent(String taskId, int seq, String key, String preValue,
            Long restoredVersion, Instant at) {
        return CompensationEvent.newBuilder().setTaskId(taskId).setSnapshotSequence(seq).setDocumentKey(key)
                .setAction(preValue == null ? CompensationAction.DOCUMENT_DELETED : CompensationAction.DOCUMENT_RESTORED)
                .setRestoredValueJson(preValue).setRestoredVersion(restoredVersion).setOccurredAt(at).build();
    }

    /**
     * The item that hands the undo records to the workers of the task's topic (every undo record of a task names it).
     * It runs from {@code notBefore} for {@code compensationTimeout}.
     */
    private static WorkItem compensationItem(String taskId, RollbackCommand command, List<UndoRecord> undo,
            Instant now, Instant notBefore, Duration compensationTimeout) {
        // An attempt undone ahead of a retry has a compensation of its own (ADR 0012); a task's final one keeps the
        // key it always had.
        String idempotencyKey = taskId + ":compensate" + (command.getRetry() ? ":" + command.getFencingToken() : "");
        return WorkItem.newBuilder().setTaskId(taskId).setKind(WorkKind.COMPENSATE)
                .setTopic(undo.get(0).getHandlerTopic()).setSubtype("compensate").setAttempt(0)
                .setFencingToken(command.getFencingToken()).setDeadline(notBefore.plus(compensationTimeout))
                .setDispatchedAt(now).setNotBefore(notBefore).setIdempotencyKey(idempotencyKey).setUndoRecords(undo)
                .build();
    }

    /**
     * When the undo may start. After the attempt's own result (cause FAILED), now: the handler that made the call has
     * returned, and no other execution of the attempt reports. Otherwise (cancelled, timed out) not before the
     * attempt's deadline plus {@code tasks.history.undo-grace}: the handler's call is bounded by that deadline, and an
     * undo sent earlier could reach the external service before the call it undoes.
     */
    private Instant undoNotBefore(Connection c, RollbackCommand command, Instant now) throws SQLException {
        if (command.getCause() == TaskState.FAILED) {
            return now;
        }
        Instant deadline = FenceRepository.currentAttemptDeadline(c, command.getTaskId());
        Instant earliest = deadline == null ? now : deadline.plus(undoGrace).truncatedTo(ChronoUnit.MILLIS);
        return earliest.isAfter(now) ? earliest : now;
    }

    private static RollbackReport report(String taskId, long fencingToken, boolean rolledBack, int restored,
            int compensated, TaskFailure failure, Instant at) {
        return RollbackReport.newBuilder().setTaskId(taskId).setRolledBack(rolledBack).setRestoredDocuments(restored)
                .setCompensatedActions(compensated).setFailure(failure).setFinishedAt(at).setFencingToken(fencingToken)
                .build();
    }

    private static void finish(Connection c, String taskId, boolean ok, TaskFailure failure, Instant now)
            throws SQLException {
        RollbackRepository.finish(c, taskId, ok, failure == null ? null : failure.getCode(),
                failure == null ? null : failure.getMessage(), now);
    }

    /** The task granted the key after {@code epoch}, if any; the row lock orders this against the next grant. */
    private static String laterHolder(Connection c, String key, Long epoch) throws SQLException {
        if (epoch == null || epoch <= 0) {
            return null;
        }
        LockHolder holder = FenceRepository.lockHolder(c, key);
        return holder != null && holder.epoch() > epoch ? holder.taskId() : null;
    }

    /**
     * Puts a document snapshot's pre-image back: deletes a document the task created, or writes the pre-image under
     * a new version number (the pre-image's value exactly; only its number moves on).
     */
    private static CompensationEvent restore(Connection c, String taskId, Snapshot snapshot, Instant now)
            throws SQLException {
        String key = snapshot.documentKey();
        Long restoredVersion = null;
        if (snapshot.preValue() == null) {
            DocumentRepository.delete(c, key);
        } else {
            restoredVersion = SnapshotRepository.nextRestoredVersion(c, taskId, key, snapshot.preVersion());
            DocumentRepository.upsert(c, key, snapshot.preValue(), restoredVersion, "rollback:" + taskId);
        }
        SnapshotRepository.setRestoredVersion(c, taskId, snapshot.seq(), restoredVersion);
        return compensationEvent(taskId, snapshot.seq(), key, snapshot.preValue(), restoredVersion, now);
    }
}

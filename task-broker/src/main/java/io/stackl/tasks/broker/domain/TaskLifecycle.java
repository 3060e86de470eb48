package io.stackl.tasks.broker.domain;

import static io.stackl.tasks.schema.ContentRules.quote;
import static io.stackl.tasks.schema.ContentRules.storable;

import io.stackl.tasks.broker.domain.BrokerTask.Failure;
import io.stackl.tasks.broker.domain.BrokerTask.Phase;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskCommandType;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The task lifecycle (docs/architecture.md) as a pure state machine: each method takes the task's current record (null if
 * unknown), one input and the time, and returns an {@link Outcome}. No I/O, no clock, no Kafka: the processor feeds
 * it and carries out what it returns.
 *
 * <p>Invariants it keeps: one event per transition, with a per-task sequence; exactly one terminal state; locks
 * released only with the terminal state; a timeout never fires before its deadline; a result counts only for the
 * current attempt and fencing token of a dispatched task.
 */
public final class TaskLifecycle {

    private static final Set<TaskState> CANCELLABLE =
            EnumSet.of(TaskState.SUBMITTED, TaskState.WAITING_FOR_LOCKS, TaskState.DISPATCHED, TaskState.RETRY_WAITING);

    /** The failure code of an attempt's execution timeout, as a retry policy's nonRetryableCodes may name it. */
    public static final String EXECUTION_TIMEOUT = "EXECUTION_TIMEOUT";

    private final BrokerSettings settings;
    private final RequestValidation validation;

    public TaskLifecycle(BrokerSettings settings) {
        this.settings = settings;
        this.validation = new RequestValidation(settings);
    }

    // ---------------------------------------------------------------- acceptance

    /** A request reaches the task partition, with the idempotency check's verdict. */
    public Outcome admit(BrokerTask existing, Admission admission, long now) {
        TaskSpec spec = admission.spec();
        if (existing != null) {
            return Outcome.ignored(existing, "task id " + spec.id() + " is already known (" + existing.state() + ")");
        }
        // The intake validated already (so that an invalid request never takes an idempotency key); checked again
        // here for admissions that were in flight from an older broker.
        String invalid = admission.verdict() == Admission.Verdict.INVALID ? admission.reason() : validation.problem(spec);
        if (invalid == null && admission.verdict() == Admission.Verdict.DUPLICATE) {
            invalid = "DUPLICATE: idempotency key " + quote(spec.idempotencyKey()) + " already created task "
                    + admission.relatedTaskId();
        }
        if (invalid == null && admission.verdict() == Admission.Verdict.CONFLICT) {
            invalid = "CONFLICT: idempotency key " + quote(spec.idempotencyKey()) + " was used by task "
                    + admission.relatedTaskId() + " for a different request";
        }
        if (invalid != null) {
            return reject(spec, invalid, admission.relatedTaskId(), now);
        }
        if (spec.retryPolicy() == null) {
            // Resolved once, at admission: a change of configuration never changes a task in flight (ADR 0012).
            spec = spec.withRetryPolicy(settings.retryPolicyFor(spec.topic()));
        }
        List<String> keys = List.copyOf(new TreeSet<>(spec.changedDocumentKeys()));
        long queueDeadline = now + timeout(spec.queueTimeoutMs(), settings.defaultQueueTimeout().toMillis());
        BrokerTask task = BrokerTask.submitted(spec, keys, now, queueDeadline);
        Outcome.Builder out = Outcome.builder().event(TaskRecords.event(task, now));
        if (keys.isEmpty()) {
            return out.build(dispatch(task, now, out));
        }
        task = task.with(TaskState.WAITING_FOR_LOCKS, task.sequence() + 1);
        out.event(TaskRecords.event(task, now));
        if (keys.size() > 1 && settings.tryLocksAtOnce()) {
            // One round trip instead of one per key when nobody holds them (ADR 0008).
            for (String key : keys) {
                out.lock(LockCommand.tryAcquire(key, task.id()));
            }
            return out.build(task.withLockTries(Collections.nCopies(keys.size(), BrokerTask.TRY_PENDING)));
        }
        out.lock(LockCommand.acquire(task.nextLockKey(), task.id()));
        return out.build(task);
    }

    /**
     * A request that cannot be a task. The record is kept (terminal) so that a query for the id explains why, and so
     * that a redelivered copy of the same id is recognised. Its event carries the request's names made storable, as
     * the request may have been rejected for them.
     */
    public Outcome reject(TaskSpec spec, String reason, String relatedTaskId, long now) {
        TaskSpec named = new TaskSpec(spec.id(), storable(spec.topic()), storable(spec.subtype()),
                storable(spec.source()), spec.argumentsJson(), spec.includedDocuments(), spec.changedDocumentKeys(),
                spec.queueTimeoutMs(), spec.executionTimeoutMs(), spec.idempotencyKey(), spec.submittedAt(),
                spec.traceContext(), spec.retryPolicy());
        BrokerTask task = BrokerTask.rejected(named, storable(reason), relatedTaskId, now,
                now + settings.terminalRetention().toMillis());
        return Outcome.builder().event(TaskRecords.event(task, now)).build(task);
    }

    private static long timeout(Long requested, long fallback) {
        return requested == null ? fallback : requested;
    }

    // ---------------------------------------------------------------- locks and dispatch

    /** The lock partition granted {@code grant.key()} to the task, or refused a try for it. */
    public Outcome lockGranted(BrokerTask task, LockGrant grant, long now) {
        if (task != null && task.state() == TaskState.WAITING_FOR_LOCKS && task.tryingLocks()) {
            return lockTried(task, grant, now);
        }
        if (grant.refused()) {
            // A refusal holds nothing, so there is nothing to hand on; a try phase that ended left no answer open.
            return Outcome.ignored(task, "refused try of " + grant.refusedKey() + " outside a try phase");
        }
        boolean expected = task != null && task.state() == TaskState.WAITING_FOR_LOCKS && !task.allLocksHeld()
                && task.nextLockKey().equals(grant.key());
        if (!expected) {
            if (task != null && !task.isTerminal() && task.lockKeys().indexOf(grant.key()) >= 0
                    && task.lockKeys().indexOf(grant.key()) < task.locksHeld()) {
                return Outcome.ignored(task, "lock " + grant.key() + " granted twice");
            }
            // The task stopped waiting (timed out, cancelled, purged): hand the key on at once.
            return Outcome.builder().ignored("lock " + grant.key() + " granted to a task that no longer waits for it")
                    .lock(LockCommand.release(grant.key(), grant.taskId())).build(task);
        }
        BrokerTask next = task.withLockGranted(grant.epoch(), now);
        Outcome.Builder out = Outcome.builder();
        if (!next.allLocksHeld()) {
            return out.lock(LockCommand.acquire(next.nextLockKey(), next.id())).build(next);
        }
        out.lockWaitMs(Math.max(0, now - task.lockWaitStartedAt()));
        return out.build(dispatch(next, now, out));
    }

    /**
     * An answer to one of the task's tries. Once every key has answered, the task keeps the longest run of granted
     * keys from the first (in the global order), gives back the granted keys after the first refusal, and queues for
     * the refused key: from there on it is in the same state as a task that took its keys one by one, which is what
     * keeps acquisition free of deadlock (ADR 0008).
     */
    private Outcome lockTried(BrokerTask task, LockGrant grant, long now) {
        int index = task.lockKeys().indexOf(grant.answeredKey());
        if (index < 0 || task.lockTries().get(index) != BrokerTask.TRY_PENDING) {
            Outcome.Builder out = Outcome.builder()
                    .ignored("unexpected answer for " + grant.answeredKey() + " in a try phase");
            if (!grant.refused() && index < 0) {
                out.lock(LockCommand.release(grant.key(), grant.taskId()));
            }
            return out.build(task);
        }
        List<Long> tries = new ArrayList<>(task.lockTries());
        tries.set(index, grant.refused() ? BrokerTask.TRY_REFUSED : grant.epoch());
        if (tries.contains(BrokerTask.TRY_PENDING)) {
            return Outcome.builder().build(task.withLockTries(tries));
        }
        int held = tries.indexOf(BrokerTask.TRY_REFUSED);
        if (held < 0) {
            held = tries.size();
        }
        Outcome.Builder out = Outcome.builder();
        for (int i = held + 1; i < tries.size(); i++) {
            if (tries.get(i) != BrokerTask.TRY_REFUSED) {
                out.lock(LockCommand.release(task.lockKeys().get(i), task.id()));
            }
        }
        BrokerTask next = task.withLocksHeld(held, tries.subList(0, held), now);
        if (!next.allLocksHeld()) {
            return out.lock(LockCommand.acquire(next.nextLockKey(), next.id())).build(next);
        }
        out.lockWaitMs(Math.max(0, now - task.lockWaitStartedAt()));
        return out.build(dispatch(next, now, out));
    }

    private BrokerTask dispatch(BrokerTask task, long now, Outcome.Builder out) {
        long deadline = now + timeout(task.spec().executionTimeoutMs(), settings.defaultExecutionTimeout().toMillis());
        BrokerTask dispatched = task.withDispatch(task.attempt() + 1, task.fencingToken() + 1, now)
                .withDeadline(Phase.EXECUTION, deadline)
                .with(TaskState.DISPATCHED, task.sequence() + 1);
        out.event(TaskRecords.event(dispatched, now)).work(TaskRecords.workItem(dispatched, now));
        return dispatched;
    }

    // ---------------------------------------------------------------- results, cancel, rollback

    /** A worker's result. Counts only for the current attempt and token of a dispatched task. */
    public Outcome result(BrokerTask task, TaskResult result, long now) {
        if (result.getKind() != WorkKind.EXECUTE) {
            return Outcome.ignored(task, "compensation reports go to the history service");
        }
        if (task == null) {
            return Outcome.ignored(null, "result for unknown task " + result.getTaskId());
        }
        if (task.state() != TaskState.DISPATCHED) {
            return Outcome.ignored(task, "result for a task that is " + task.state() + ", not in flight");
        }
        if (result.getAttempt() != task.attempt() || result.getFencingToken() != task.fencingToken()) {
            return Outcome.ignored(task, "stale result: attempt " + result.getAttempt() + " token "
                    + result.getFencingToken() + ", current attempt " + task.attempt() + " token " + task.fencingToken());
        }
        Outcome.Builder out = Outcome.builder();
        String output = result.getOutputJson() == null ? "null" : result.getOutputJson();
        String outputProblem = result.getSucceeded() ? ContentRules.jsonProblem("the output", output) : null;
        if (result.getSucceeded() && outputProblem == null) {
            BrokerTask done = task.withOutcome(null, null, output, null);
            return out.build(finish(done, TaskState.SUCCEEDED, now, out));
        }
        TaskFailure failure = result.getFailure();
        // A success whose output cannot be stored is a failure of the handler: the task must not end SUCCEEDED with
        // a result nobody can keep (workers check this too; a worker of another make may not).
        Failure failed = outputProblem != null ? new Failure("INVALID_OUTPUT", outputProblem, false)
                : failure == null ? new Failure("UNKNOWN", "the worker reported a failure without details", false)
                : new Failure(storable(failure.getCode()), storable(failure.getMessage()), failure.getRetryable());
        BrokerTask failedTask = task.withOutcome(null, failed.code() + ": " + failed.message(), null, failed);
        boolean retry = outputProblem == null && failure != null
                && retries(task, failed.retryable(), failed.code(), now);
        return out.build(startRollback(failedTask.withRetrying(retry), TaskState.FAILED, now, out));
    }

    /** An operator's command. Only a task that has not ended and is not rolling back can be cancelled. */
    public Outcome command(BrokerTask task, TaskCommand command, long now) {
        if (command.getCommand() != TaskCommandType.CANCEL) {
            return Outcome.ignored(task, "unknown command " + command.getCommand());
        }
        if (task == null) {
            return Outcome.ignored(null, "cancel for unknown task " + command.getTaskId());
        }
        String reason = storable("cancelled by " + (command.getRequestedBy().isBlank() ? "an operator"
                : command.getRequestedBy()) + (command.getReason() == null ? "" : ": " + command.getReason()));
        if (task.state() == TaskState.ROLLING_BACK && task.retrying() && !task.cancelRequested()) {
            // A failed attempt is being undone ahead of a retry: once it is, the task ends instead (ADR 0012).
            return Outcome.builder().build(task.withCancelRequested().withOutcome(null, reason, null, null));
        }
        if (!CANCELLABLE.contains(task.state())) {
            return Outcome.ignored(task, "cancel for a task that is " + task.state());
        }
        Outcome.Builder out = Outcome.builder();
        return out.build(startRollback(task.withOutcome(null, reason, null, null), TaskState.CANCELLED, now, out));
    }

    /** The history service reports how the rollback ended. */
    public Outcome rollbackReport(BrokerTask task, RollbackReport report, long now) {
        if (task == null || task.state() != TaskState.ROLLING_BACK) {
            return Outcome.ignored(task, "rollback report for a task that is "
                    + (task == null ? "unknown" : task.state().toString()));
        }
        boolean anotherAttempts = report.getFencingToken() == 0
                // Token 0: a history service before ADR 0012, which never undoes a single attempt; only a first
                // attempt's rollback can be the one it reports.
                ? task.attempt() > 1
                : report.getFencingToken() != task.fencingToken();
        if (anotherAttempts) {
            // A report sent again for an earlier attempt's rollback (ADR 0012): not this attempt's.
            return Outcome.ignored(task, "rollback report for token " + report.getFencingToken() + ", current token "
                    + task.fencingToken() + " (attempt " + task.attempt() + ")");
        }
        Outcome.Builder out = Outcome.builder();
        if (report.getRolledBack()) {
            if (task.retrying() && !task.cancelRequested()) {
                return out.build(awaitRetry(task, now, out));
            }
            return out.build(finish(task.withRetrying(false), TaskState.ROLLED_BACK, now, out));
        }
        TaskFailure failure = report.getFailure();
        Failure failed = failure == null ? new Failure("ROLLBACK_FAILED", "the history service gave no reason", false)
                : new Failure(storable(failure.getCode()), storable(failure.getMessage()), failure.getRetryable());
        return out.build(finish(task.withRetrying(false).withOutcome(null, failed.code() + ": " + failed.message(),
                null, failed), TaskState.ROLLBACK_FAILED, now, out));
    }

    /**
     * Whether a failure of the task's current attempt is tried again (ADR 0012): its policy allows another attempt,
     * and that attempt, after its backoff, would start within the task's overall bound.
     */
    private boolean retries(BrokerTask task, boolean retryable, String code, long now) {
        RetryPolicy policy = task.spec().retries();
        return policy.retries(task.attempt(), retryable, code) && policy.startsInTime(task.acceptedAt(),
                now + policy.backoffMs(task.id(), task.attempt()) + SCAN_MARGIN_MS);
    }

    /**
     * A backoff's end is seen by a deadline scan, which runs when it is due (ADR 0018), give or take a poll loop of the
     * stream thread: a retry is planned only if it starts within the bound even 100 ms late (the scan interval before
     * ADR 0018), so that one planned is not dropped at the bound for want of a scan (only a broker stalled past it
     * drops one).
     */
    private static final long SCAN_MARGIN_MS = 100;

    /**
     * A failed attempt is undone: the next waits its backoff, a deadline like any other (never early), keeping every
     * lock (ADR 0012).
     */
    private BrokerTask awaitRetry(BrokerTask task, long now, Outcome.Builder out) {
        RetryPolicy policy = task.spec().retries();
        long backoff = policy.backoffMs(task.id(), task.attempt());
        if (!policy.startsInTime(task.acceptedAt(), now + backoff + SCAN_MARGIN_MS)) {
            // The undo took the time that was left: the next attempt would start after the task's overall bound.
            return finish(task.withRetrying(false).withOutcome(null, storable(task.reason() + "; not retried: attempt "
                    + (task.attempt() + 1) + " would start after the task's bound of " + policy.retryWithinMs()
                    + " ms from acceptance"), null, task.failure()), TaskState.ROLLED_BACK, now, out);
        }
        BrokerTask waiting = task.withRetrying(false)
                .withOutcome(null, storable("attempt " + task.attempt() + " undone (" + task.reason() + "); attempt "
                        + (task.attempt() + 1) + " of " + task.spec().retries().maxAttempts() + " in " + backoff + " ms"),
                        null, null)
                .withDeadline(Phase.RETRY, now + backoff)
                .with(TaskState.RETRY_WAITING, task.sequence() + 1);
        out.event(TaskRecords.event(waiting, now));
        return waiting;
    }

    /** The task's deadline index entry is due. Never acts before the deadline. */
    public Outcome deadlineReached(BrokerTask task, long now) {
        if (task == null) {
            return Outcome.ignored(null, "deadline of an unknown task");
        }
        if (task.deadlinePhase() == Phase.NONE || now < task.deadline()) {
            return Outcome.ignored(task, "deadline not due");
        }
        Outcome.Builder out = Outcome.builder();
        long lateness = now - task.deadline();
        switch (task.deadlinePhase()) {
            case QUEUE -> {
                out.timeoutLatenessMs(lateness);
                String why = "queue timeout: not dispatched within " + (task.deadline() - task.acceptedAt()) + " ms"
                        + (task.lockKeys().isEmpty() ? "" : " (held " + task.locksHeld() + " of "
                        + task.lockKeys().size() + " locks)");
                return out.build(startRollback(task.withOutcome(null, why, null, null), TaskState.TIMED_OUT, now, out));
            }
            case EXECUTION -> {
                out.timeoutLatenessMs(lateness);
                String why = "execution timeout: no result within " + (task.deadline() - task.dispatchedAt()) + " ms of"
                        + " dispatch (attempt " + task.attempt() + ")";
                boolean retry = retries(task, true, EXECUTION_TIMEOUT, now);
                return out.build(startRollback(task.withOutcome(null, why, null, null).withRetrying(retry),
                        TaskState.TIMED_OUT, now, out));
            }
            case RETRY -> {
                out.timeoutLatenessMs(lateness);
                RetryPolicy policy = task.spec().retries();
                if (!policy.startsInTime(task.acceptedAt(), now)) {
                    // The backoff ended within the bound but this scan came after it: no attempt starts past it.
                    String why = "not retried: attempt " + (task.attempt() + 1) + " would start "
                            + (now - task.acceptedAt()) + " ms after acceptance, past the task's bound of "
                            + policy.retryWithinMs() + " ms";
                    return out.build(startRollback(task.withOutcome(null, why, null, null), TaskState.TIMED_OUT, now,
                            out));
                }
                return out.build(dispatch(task.forNextAttempt(), now, out));
            }
            case ROLLBACK -> {
                // No report: nobody knows whether the documents are restored, so the locks stay held (releasing them
                // could let the next task write a key that a late restore then overwrites) and the history service is
                // asked again. It carries out a rollback once and answers a repeated command with its outcome, so
                // the task ends with the history service's word, and both always agree (ADR 0007).
                out.timeoutLatenessMs(lateness).rollbackOverdue();
                out.rollback(TaskRecords.rollbackCommand(task, task.rollbackCause(), task.reason(), now));
                // Backing off: the next ask waits as long as the task has been out since dispatch (so the interval
                // about doubles), between one and eight rollback timeouts; a slow history service is not buried
                // under repeated commands.
                long timeout = settings.rollbackTimeout().toMillis();
                long interval = Math.min(8 * timeout, Math.max(timeout, now - task.dispatchedAt()));
                return out.build(task.withDeadline(Phase.ROLLBACK, now + interval));
            }
            case RETENTION -> {
                // Within the idempotency window a producer may still send the same id again (a retry after a lost
                // acknowledgement): the id must stay known, or it would run a second time. Kept small until then.
                long forgetAt = task.acceptedAt() + settings.idempotencyWindow().toMillis();
                if (now < forgetAt) {
                    return out.build(task.compacted().withDeadline(Phase.RETENTION, forgetAt));
                }
                return out.delete().build(null);
            }
            default -> {
                return Outcome.ignored(task, "no deadline");
            }
        }
    }

    /**
     * FAILED, TIMED_OUT or CANCELLED, then ROLLING_BACK. A task that never ran changed nothing, so it is rolled back
     * at once; otherwise the history service is asked, and has {@code rollbackTimeout} to report.
     */
    private BrokerTask startRollback(BrokerTask task, TaskState cause, long now, Outcome.Builder out) {
        BrokerTask caused = task.withOutcome(cause, null, null, null).with(cause, task.sequence() + 1);
        out.event(TaskRecords.event(caused, now));
        BrokerTask rolling = caused.with(TaskState.ROLLING_BACK, caused.sequence() + 1);
        if (task.attempt() == 0 || task.state() == TaskState.RETRY_WAITING) {
            out.event(TaskRecords.event(rolling.withDeadline(Phase.NONE, 0), now));
            String why = task.attempt() == 0 ? "never dispatched"
                    : "attempt " + task.attempt() + " was undone before its retry";
            return finish(rolling.withOutcome(null, caused.reason() + "; nothing to undo: " + why, null, null),
                    TaskState.ROLLED_BACK, now, out);
        }
        rolling = rolling.withDeadline(Phase.ROLLBACK, now + settings.rollbackTimeout().toMillis());
        out.event(TaskRecords.event(rolling, now))
                .rollback(TaskRecords.rollbackCommand(task, cause, caused.reason(), now));
        return rolling;
    }

    /** The terminal state: one event, every lock released, and the record kept for {@code terminalRetention}. */
    private BrokerTask finish(BrokerTask task, TaskState terminal, long now, Outcome.Builder out) {
        BrokerTask done = task.with(terminal, task.sequence() + 1)
                .withDeadline(Phase.RETENTION, now + settings.terminalRetention().toMillis())
                .withFinishedAt(now);
        out.event(TaskRecords.event(done, now));
        for (int i = 0; i < task.lockKeys().size(); i++) {
            // Held keys are released, and the key being waited for (if any) leaves its queue: RELEASE does both. In a
            // try phase any key may be held, or be granted by a try still in flight (its RELEASE follows it in order).
            if (i <= task.locksHeld() || task.tryingLocks()) {
                out.lock(LockCommand.release(task.lockKeys().get(i), task.id()));
            }
        }
        return done;
    }
}

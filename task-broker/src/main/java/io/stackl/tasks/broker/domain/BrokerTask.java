package io.stackl.tasks.broker.domain;

import io.stackl.tasks.schema.TaskState;
import java.util.List;

/**
 * The broker's record of one task, the value of {@code tasks-store}. Immutable: each transition makes a new one.
 *
 * @param sequence the sequence number of the last event emitted for the task
 * @param lockKeys the document keys to lock, deduplicated and sorted: every task acquires in this one global order,
 *     which is what makes lock acquisition free of deadlock
 * @param locksHeld how many of {@code lockKeys}, from the first, are granted; the next one asked for is
 *     {@code lockKeys[locksHeld]}
 * @param deadlinePhase what {@code deadline} bounds; {@link Phase#NONE} when no deadline runs
 * @param deadline the absolute wall-clock time (epoch ms) at which the phase ends; indexed in the deadline store
 * @param rollbackCause FAILED, TIMED_OUT or CANCELLED once a rollback was decided
 * @param lockEpochs the epoch of each granted lock, in the order of {@code lockKeys}: the lock partition numbers its
 *     grants of a key in increasing order, so the history service can tell the current holder of a key from an
 *     earlier one whatever order it learns of them in (ADR 0007)
 * @param lockTries while the task tries all its keys at once (ADR 0008): the answer for each key of
 *     {@code lockKeys}, in order: {@link #TRY_PENDING} not yet answered, {@link #TRY_REFUSED} refused, else the epoch
 *     of the grant. Empty otherwise, and in records written before ADR 0008
 */
public record BrokerTask(
        TaskSpec spec,
        TaskState state,
        int sequence,
        int attempt,
        long fencingToken,
        List<String> lockKeys,
        int locksHeld,
        long acceptedAt,
        long lockWaitStartedAt,
        long dispatchedAt,
        Phase deadlinePhase,
        long deadline,
        TaskState rollbackCause,
        String reason,
        String relatedTaskId,
        String outputJson,
        Failure failure,
        long finishedAt,
        List<Long> lockEpochs,
        List<Long> lockTries) {

    /** A try not answered yet, in {@link #lockTries} (not 0: that is a grant from a broker that did not number them). */
    static final long TRY_PENDING = Long.MIN_VALUE;
    /** A refused try, in {@link #lockTries}. */
    static final long TRY_REFUSED = -1;

    /** Records written before lock epochs (or tries) existed read with none. */
    public BrokerTask {
        lockEpochs = lockEpochs == null ? List.of() : List.copyOf(lockEpochs);
        lockTries = lockTries == null ? List.of() : List.copyOf(lockTries);
    }

    /** Whether the task is trying all its keys at once, waiting for the answers (ADR 0008). */
    public boolean tryingLocks() {
        return !lockTries.isEmpty();
    }

    /** What the current deadline bounds. */
    public enum Phase {
        NONE,
        /** The wait for locks, up to dispatch ({@code queueTimeout}). */
        QUEUE,
        /** The execution, from dispatch ({@code timeout}). */
        EXECUTION,
        /** The wait for the history service's rollback report. */
        ROLLBACK,
        /** A terminal task is kept this long for live queries, then purged (history keeps it for good). */
        RETENTION
    }

    public record Failure(String code, String message, boolean retryable) {}

    public String id() {
        return spec.id();
    }

    public boolean isTerminal() {
        return TaskStates.isTerminal(state);
    }

    public boolean allLocksHeld() {
        return locksHeld >= lockKeys.size();
    }

    /**
     * Whether every key has a known epoch, one per key in order. Not so for a task that was waiting for its locks when
     * the broker was upgraded (its earlier grants had none) or for a grant from an older broker (epoch 0): its epochs
     * are then not sent at all, rather than paired with the wrong keys.
     */
    public boolean hasAllLockEpochs() {
        return lockEpochs.size() == lockKeys.size() && lockEpochs.stream().allMatch(e -> e != null && e > 0);
    }

    public String nextLockKey() {
        return lockKeys.get(locksHeld);
    }

    BrokerTask with(TaskState newState, int newSequence) {
        return new BrokerTask(spec, newState, newSequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                outputJson, failure, finishedAt, lockEpochs, lockTries);
    }

    BrokerTask withLockGranted(long epoch) {
        java.util.ArrayList<Long> epochs = new java.util.ArrayList<>(lockEpochs);
        epochs.add(epoch);
        return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, locksHeld + 1, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                outputJson, failure, finishedAt, epochs, lockTries);
    }

    /** The try phase's answers so far ({@link #lockTries}). */
    BrokerTask withLockTries(List<Long> tries) {
        return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                outputJson, failure, finishedAt, lockEpochs, tries);
    }

    /** The end of a try phase: the first {@code held} keys are held, with these epochs; the rest is queued for. */
    BrokerTask withLocksHeld(int held, List<Long> epochs) {
        return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, held, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                outputJson, failure, finishedAt, epochs, List.of());
    }

    /** The record without what only a running task needs (arguments, included documents): kept to know the id. */
    BrokerTask compacted() {
        TaskSpec small = new TaskSpec(spec.id(), spec.topic(), spec.subtype(), spec.source(), null, List.of(),
                spec.changedDocumentKeys(), spec.queueTimeoutMs(), spec.executionTimeoutMs(), spec.idempotencyKey(),
                spec.submittedAt(), spec.traceContext());
        return new BrokerTask(small, state, sequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                outputJson, failure, finishedAt, lockEpochs, lockTries);
    }

    BrokerTask withDeadline(Phase phase, long at) {
        return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, dispatchedAt, phase, at, rollbackCause, reason, relatedTaskId, outputJson,
                failure, finishedAt, lockEpochs, lockTries);
    }

    BrokerTask withDispatch(int newAttempt, long token, long at) {
        return new BrokerTask(spec, state, sequence, newAttempt, token, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, at, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId, outputJson,
                failure, finishedAt, lockEpochs, lockTries);
    }

    BrokerTask withOutcome(TaskState cause, String why, String output, Failure failed) {
        return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, cause == null ? rollbackCause : cause,
                why == null ? reason : why, relatedTaskId, output == null ? outputJson : output,
                failed == null ? failure : failed, finishedAt, lockEpochs, lockTries);
    }

    BrokerTask withFinishedAt(long at) {
        return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                outputJson, failure, at, lockEpochs, lockTries);
    }
}

package io.stackl.tasks.broker.domain;

import io.stackl.tasks.schema.TaskStates;
import io.stackl.tasks.schema.TaskState;
import java.util.ArrayList;
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
 * @param retrying the rollback under way (ROLLING_BACK) undoes one failed attempt, and the task is tried again after
 *     it (ADR 0012); false for a task's final rollback, and in records written before ADR 0012
 * @param cancelRequested a cancel came while an attempt was being undone ahead of a retry: the task ends after it
 * @param lockGrantedAt when the task learnt it holds each key (epoch ms), in the order of {@code lockKeys}: how long it
 *     waited for each, for people (ADR 0014). Empty in records written before
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
        List<Long> lockTries,
        boolean retrying,
        boolean cancelRequested,
        List<Long> lockGrantedAt) {

    /** A try not answered yet, in {@link #lockTries} (not 0: that is a grant from a broker that did not number them). */
    static final long TRY_PENDING = Long.MIN_VALUE;
    /** A refused try, in {@link #lockTries}. */
    static final long TRY_REFUSED = -1;

    /** Records written before lock epochs (or tries) existed read with none. */
    public BrokerTask {
        lockEpochs = lockEpochs == null ? List.of() : List.copyOf(lockEpochs);
        lockTries = lockTries == null ? List.of() : List.copyOf(lockTries);
        lockGrantedAt = lockGrantedAt == null ? List.of() : List.copyOf(lockGrantedAt);
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
        /** The backoff before the next attempt (ADR 0012): at its end the task is dispatched again. */
        RETRY,
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

    /** A task just accepted: {@code SUBMITTED}, its keys not yet asked for, its queue deadline running. */
    static BrokerTask submitted(TaskSpec spec, List<String> lockKeys, long now, long queueDeadline) {
        return new Builder().spec(spec).state(TaskState.SUBMITTED).sequence(1).lockKeys(lockKeys).acceptedAt(now)
                .lockWaitStartedAt(now).deadline(Phase.QUEUE, queueDeadline).build();
    }

    /** A request refused at acceptance: {@code REJECTED} at once, kept for live queries until {@code keepUntil}. */
    static BrokerTask rejected(TaskSpec spec, String reason, String relatedTaskId, long now, long keepUntil) {
        return new Builder().spec(spec).state(TaskState.REJECTED).sequence(1).acceptedAt(now).lockWaitStartedAt(now)
                .deadline(Phase.RETENTION, keepUntil).reason(reason).relatedTaskId(relatedTaskId).finishedAt(now)
                .build();
    }

    BrokerTask with(TaskState newState, int newSequence) {
        return toBuilder().state(newState).sequence(newSequence).build();
    }

    BrokerTask withLockGranted(long epoch, long now) {
        List<Long> epochs = new ArrayList<>(lockEpochs);
        epochs.add(epoch);
        return toBuilder().locksHeld(locksHeld + 1).lockEpochs(epochs).lockGrantedAt(grantTimes(locksHeld + 1, now))
                .build();
    }

    /**
     * The grant times of the first {@code held} keys: those known kept, the newly held ones at {@code now}. A task
     * that held keys before the broker kept times (an upgrade while it waited) keeps none: a made-up time would show
     * a wait that did not happen.
     */
    private List<Long> grantTimes(int held, long now) {
        if (lockGrantedAt.size() != Math.min(locksHeld, held)) {
            return lockGrantedAt;
        }
        List<Long> times = new ArrayList<>(lockGrantedAt.subList(0, Math.min(held, lockGrantedAt.size())));
        while (times.size() < held) {
            times.add(now);
        }
        return times;
    }

    /** The try phase's answers so far ({@link #lockTries}). */
    BrokerTask withLockTries(List<Long> tries) {
        return toBuilder().lockTries(tries).build();
    }

    /** The end of a try phase: the first {@code held} keys are held, with these epochs; the rest is queued for. */
    BrokerTask withLocksHeld(int held, List<Long> epochs, long now) {
        return toBuilder().locksHeld(held).lockEpochs(epochs).lockTries(List.of()).lockGrantedAt(grantTimes(held, now))
                .build();
    }

    /** The record without what only a running task needs (arguments, included documents): kept to know the id. */
    BrokerTask compacted() {
        TaskSpec small = new TaskSpec(spec.id(), spec.topic(), spec.subtype(), spec.source(), null, List.of(),
                spec.changedDocumentKeys(), spec.queueTimeoutMs(), spec.executionTimeoutMs(), spec.idempotencyKey(),
                spec.submittedAt(), spec.traceContext(), spec.retryPolicy());
        return toBuilder().spec(small).build();
    }

    BrokerTask withDeadline(Phase phase, long at) {
        return toBuilder().deadline(phase, at).build();
    }

    BrokerTask withDispatch(int newAttempt, long token, long at) {
        return toBuilder().attempt(newAttempt).fencingToken(token).dispatchedAt(at).build();
    }

    /** Records how the task ends; a null argument keeps what was recorded before. */
    BrokerTask withOutcome(TaskState cause, String why, String output, Failure failed) {
        Builder next = toBuilder();
        if (cause != null) {
            next.rollbackCause(cause);
        }
        if (why != null) {
            next.reason(why);
        }
        if (output != null) {
            next.outputJson(output);
        }
        if (failed != null) {
            next.failure(failed);
        }
        return next.build();
    }

    /** Whether the rollback under way undoes one attempt ahead of a retry (ADR 0012). */
    BrokerTask withRetrying(boolean value) {
        return toBuilder().retrying(value).build();
    }

    /** Ready for its next attempt: what ended the last one is cleared (its events keep it). */
    BrokerTask forNextAttempt() {
        return toBuilder().retrying(false).cancelRequested(false).rollbackCause(null).reason(null).failure(null)
                .build();
    }

    BrokerTask withCancelRequested() {
        return toBuilder().cancelRequested(true).build();
    }

    BrokerTask withFinishedAt(long at) {
        return toBuilder().finishedAt(at).build();
    }

    Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Builds a task by naming what differs; every other component keeps its value (or its zero, for a new task).
     * The record stays flat because it is the stored JSON of {@code tasks-store}: its shape is the store's format.
     */
    static final class Builder {
        private TaskSpec spec;
        private TaskState state;
        private int sequence;
        private int attempt;
        private long fencingToken;
        private List<String> lockKeys = List.of();
        private int locksHeld;
        private long acceptedAt;
        private long lockWaitStartedAt;
        private long dispatchedAt;
        private Phase deadlinePhase = Phase.NONE;
        private long deadline;
        private TaskState rollbackCause;
        private String reason;
        private String relatedTaskId;
        private String outputJson;
        private Failure failure;
        private long finishedAt;
        private List<Long> lockEpochs = List.of();
        private List<Long> lockTries = List.of();
        private boolean retrying;
        private boolean cancelRequested;
        private List<Long> lockGrantedAt = List.of();

        Builder() {}

        private Builder(BrokerTask task) {
            spec = task.spec;
            state = task.state;
            sequence = task.sequence;
            attempt = task.attempt;
            fencingToken = task.fencingToken;
            lockKeys = task.lockKeys;
            locksHeld = task.locksHeld;
            acceptedAt = task.acceptedAt;
            lockWaitStartedAt = task.lockWaitStartedAt;
            dispatchedAt = task.dispatchedAt;
            deadlinePhase = task.deadlinePhase;
            deadline = task.deadline;
            rollbackCause = task.rollbackCause;
            reason = task.reason;
            relatedTaskId = task.relatedTaskId;
            outputJson = task.outputJson;
            failure = task.failure;
            finishedAt = task.finishedAt;
            lockEpochs = task.lockEpochs;
            lockTries = task.lockTries;
            retrying = task.retrying;
            cancelRequested = task.cancelRequested;
            lockGrantedAt = task.lockGrantedAt;
        }

        Builder spec(TaskSpec value) {
            spec = value;
            return this;
        }

        Builder state(TaskState value) {
            state = value;
            return this;
        }

        Builder sequence(int value) {
            sequence = value;
            return this;
        }

        Builder attempt(int value) {
            attempt = value;
            return this;
        }

        Builder fencingToken(long value) {
            fencingToken = value;
            return this;
        }

        Builder lockKeys(List<String> value) {
            lockKeys = value;
            return this;
        }

        Builder locksHeld(int value) {
            locksHeld = value;
            return this;
        }

        Builder acceptedAt(long value) {
            acceptedAt = value;
            return this;
        }

        Builder lockWaitStartedAt(long value) {
            lockWaitStartedAt = value;
            return this;
        }

        Builder dispatchedAt(long value) {
            dispatchedAt = value;
            return this;
        }

        Builder rollbackCause(TaskState value) {
            rollbackCause = value;
            return this;
        }

        Builder reason(String value) {
            reason = value;
            return this;
        }

        Builder relatedTaskId(String value) {
            relatedTaskId = value;
            return this;
        }

        Builder outputJson(String value) {
            outputJson = value;
            return this;
        }

        Builder failure(Failure value) {
            failure = value;
            return this;
        }

        Builder finishedAt(long value) {
            finishedAt = value;
            return this;
        }

        Builder lockEpochs(List<Long> value) {
            lockEpochs = value;
            return this;
        }

        Builder lockTries(List<Long> value) {
            lockTries = value;
            return this;
        }

        Builder retrying(boolean value) {
            retrying = value;
            return this;
        }

        Builder lockGrantedAt(List<Long> value) {
            lockGrantedAt = value;
            return this;
        }

        Builder cancelRequested(boolean value) {
            cancelRequested = value;
            return this;
        }

        /** What the deadline bounds and when it ends: the two always change together. */
        Builder deadline(Phase phase, long at) {
            deadlinePhase = phase;
            deadline = at;
            return this;
        }

        BrokerTask build() {
            return new BrokerTask(spec, state, sequence, attempt, fencingToken, lockKeys, locksHeld, acceptedAt,
                    lockWaitStartedAt, dispatchedAt, deadlinePhase, deadline, rollbackCause, reason, relatedTaskId,
                    outputJson, failure, finishedAt, lockEpochs, lockTries, retrying, cancelRequested, lockGrantedAt);
        }
    }
}

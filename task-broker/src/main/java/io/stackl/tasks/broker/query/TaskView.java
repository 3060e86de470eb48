package io.stackl.tasks.broker.query;

import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.domain.BrokerTask.Phase;
import io.stackl.tasks.schema.RejectionCodes;
import io.stackl.tasks.schema.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A task's live state as the broker answers it over HTTP.
 *
 * @param argumentsJson the task's arguments, while the broker holds the task's full record: until its retention
 *     after it ends (an hour by default) compacts it. The history service never stores arguments; the gateway shows
 *     them only to clients that may submit the task's topic
 * @param rejectionCode on REJECTED, the code of its event ({@code DUPLICATE}: {@code relatedTaskId} is the first task)
 */
public record TaskView(
        String taskId,
        String state,
        String topic,
        String subtype,
        String source,
        int sequence,
        int attempt,
        long fencingToken,
        List<String> lockKeys,
        int locksHeld,
        List<KeyLock> locks,
        Instant acceptedAt,
        Instant dispatchedAt,
        String deadlinePhase,
        Instant deadline,
        String reason,
        String relatedTaskId,
        String rejectionCode,
        String outputJson,
        String argumentsJson,
        BrokerTask.Failure failure,
        Instant finishedAt,
        String servedBy) {

    /**
     * One declared key: held or, once the task ended, released (with the time it was granted and how long the task
     * waited for it, from acceptance or from the key before it); being tried or waited for now ({@code waitingSince});
     * not asked for yet; or, for an ended task, never held. Times are null for
     * a record written before the broker kept them.
     */
    public record KeyLock(String key, String status, Long epoch, Instant grantedAt, Long waitedMs,
            Instant waitingSince) {}

    private static List<KeyLock> locks(BrokerTask task) {
        List<KeyLock> locks = new ArrayList<>();
        long previous = task.acceptedAt();
        boolean timed = task.lockGrantedAt().size() >= task.locksHeld();
        for (int i = 0; i < task.lockKeys().size(); i++) {
            String key = task.lockKeys().get(i);
            Long epoch = i < task.lockEpochs().size() ? task.lockEpochs().get(i) : null;
            if (i < task.locksHeld()) {
                Long granted = timed ? task.lockGrantedAt().get(i) : null;
                locks.add(new KeyLock(key, task.isTerminal() ? "RELEASED" : "HELD", epoch, granted == null ? null : Instant.ofEpochMilli(granted),
                        granted == null ? null : Math.max(0, granted - previous), null));
                previous = granted == null ? previous : granted;
            } else if (task.state() == TaskState.WAITING_FOR_LOCKS && task.tryingLocks()) {
                // All keys at once (ADR 0008): each is being tried.
                locks.add(new KeyLock(key, "TRYING", null, null, null, Instant.ofEpochMilli(task.lockWaitStartedAt())));
            } else if (i == task.locksHeld() && task.state() == TaskState.WAITING_FOR_LOCKS) {
                locks.add(new KeyLock(key, "WAITING", null, null, null, timed ? Instant.ofEpochMilli(previous) : null));
            } else {
                locks.add(new KeyLock(key, task.isTerminal() ? "NOT_HELD" : "NOT_ASKED", null, null, null, null));
            }
        }
        return List.copyOf(locks);
    }

    public static TaskView of(BrokerTask task, String servedBy) {
        return new TaskView(task.id(), task.state().toString(), task.spec().topic(), task.spec().subtype(),
                task.spec().source(), task.sequence(), task.attempt(), task.fencingToken(), task.lockKeys(),
                task.locksHeld(), locks(task), Instant.ofEpochMilli(task.acceptedAt()),
                task.dispatchedAt() == 0 ? null : Instant.ofEpochMilli(task.dispatchedAt()),
                task.deadlinePhase().toString(),
                task.deadlinePhase() == Phase.NONE ? null : Instant.ofEpochMilli(task.deadline()), task.reason(),
                task.relatedTaskId(),
                task.state() == TaskState.REJECTED ? RejectionCodes.of(task.reason()).name() : null,
                task.outputJson(), task.spec().argumentsJson(), task.failure(),
                task.finishedAt() == 0 ? null : Instant.ofEpochMilli(task.finishedAt()), servedBy);
    }
}

package io.stackl.tasks.broker.query;

import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.domain.BrokerTask.Phase;
import io.stackl.tasks.schema.RejectionCodes;
import io.stackl.tasks.schema.TaskState;
import java.time.Instant;
import java.util.List;

/**
 * A task's live state as the broker answers it over HTTP.
 *
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
        Instant acceptedAt,
        Instant dispatchedAt,
        String deadlinePhase,
        Instant deadline,
        String reason,
        String relatedTaskId,
        String rejectionCode,
        String outputJson,
        BrokerTask.Failure failure,
        Instant finishedAt,
        String servedBy) {

    public static TaskView of(BrokerTask task, String servedBy) {
        return new TaskView(task.id(), task.state().toString(), task.spec().topic(), task.spec().subtype(),
                task.spec().source(), task.sequence(), task.attempt(), task.fencingToken(), task.lockKeys(),
                task.locksHeld(), Instant.ofEpochMilli(task.acceptedAt()),
                task.dispatchedAt() == 0 ? null : Instant.ofEpochMilli(task.dispatchedAt()),
                task.deadlinePhase().toString(),
                task.deadlinePhase() == Phase.NONE ? null : Instant.ofEpochMilli(task.deadline()), task.reason(),
                task.relatedTaskId(),
                task.state() == TaskState.REJECTED ? RejectionCodes.of(task.reason()).name() : null,
                task.outputJson(), task.failure(),
                task.finishedAt() == 0 ? null : Instant.ofEpochMilli(task.finishedAt()), servedBy);
    }
}

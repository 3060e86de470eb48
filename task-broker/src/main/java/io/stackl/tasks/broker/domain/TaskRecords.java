package io.stackl.tasks.broker.domain;

import io.stackl.tasks.broker.domain.BrokerTask.Phase;
import io.stackl.tasks.schema.RejectionCodes;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The Avro records the lifecycle sends, built from the broker's record of a task. */
final class TaskRecords {

    private TaskRecords() {}

    static TaskEvent event(BrokerTask task, long now) {
        TaskSpec spec = task.spec();
        boolean deadlineRuns = task.deadlinePhase() == Phase.QUEUE || task.deadlinePhase() == Phase.EXECUTION
                || task.deadlinePhase() == Phase.ROLLBACK || task.deadlinePhase() == Phase.RETRY;
        return TaskEvent.newBuilder()
                .setTaskId(spec.id() == null ? "" : spec.id())
                .setSequence(task.sequence())
                .setState(task.state())
                .setTopic(spec.topic() == null ? "" : spec.topic())
                .setSubtype(spec.subtype() == null ? "" : spec.subtype())
                .setSource(spec.source() == null ? "" : spec.source())
                .setOccurredAt(Instant.ofEpochMilli(now))
                .setAttempt(task.attempt())
                .setFencingToken(task.fencingToken())
                .setDeadline(deadlineRuns && !task.isTerminal() ? Instant.ofEpochMilli(task.deadline()) : null)
                .setReason(task.reason())
                .setOutputJson(task.state() == TaskState.SUCCEEDED ? task.outputJson() : null)
                // RETRY_WAITING carries the failure of the attempt it undid (ADR 0012).
                .setFailure(task.failure() == null || (task.state() != TaskState.FAILED
                        && task.state() != TaskState.ROLLBACK_FAILED && task.state() != TaskState.RETRY_WAITING) ? null
                        : TaskFailure.newBuilder().setCode(task.failure().code())
                                .setMessage(task.failure().message()).setRetryable(task.failure().retryable()).build())
                .setChangedDocumentKeys(task.lockKeys())
                .setLockEpochs(task.state() == TaskState.DISPATCHED && task.hasAllLockEpochs() ? task.lockEpochs()
                        : List.of())
                .setRelatedTaskId(task.relatedTaskId())
                .setRejectionCode(task.state() == TaskState.REJECTED ? RejectionCodes.of(task.reason()) : null)
                .build();
    }

    static WorkItem workItem(BrokerTask task, long now) {
        TaskSpec spec = task.spec();
        return WorkItem.newBuilder()
                .setTaskId(spec.id())
                .setKind(WorkKind.EXECUTE)
                .setTopic(spec.topic())
                .setSubtype(spec.subtype())
                .setSource(spec.source() == null ? "" : spec.source())
                .setArgumentsJson(spec.argumentsJson())
                .setIncludedDocuments(spec.includedDocumentRecords())
                .setChangedDocumentKeys(task.lockKeys())
                .setAttempt(task.attempt())
                .setFencingToken(task.fencingToken())
                .setDeadline(Instant.ofEpochMilli(task.deadline()))
                .setDispatchedAt(Instant.ofEpochMilli(now))
                .setIdempotencyKey(spec.id() + ":" + task.attempt())
                .setUndoRecords(List.of())
                .setTraceContext(spec.traceContext() == null ? Map.of() : spec.traceContext())
                .build();
    }

    static RollbackCommand rollbackCommand(BrokerTask task, TaskState cause, String reason, long now) {
        return RollbackCommand.newBuilder()
                .setTaskId(task.id())
                .setTopic(task.spec().topic())
                .setSubtype(task.spec().subtype())
                .setFencingToken(task.fencingToken())
                .setCause(cause)
                .setReason(reason)
                .setRequestedAt(Instant.ofEpochMilli(now))
                .setRetry(task.retrying())
                .build();
    }
}

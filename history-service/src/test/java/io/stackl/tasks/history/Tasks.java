package io.stackl.tasks.history;

import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Builders for the broker's records, as the history service receives them. */
final class Tasks {

    private Tasks() {}

    static String newId(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    static TaskEvent event(String taskId, int sequence, TaskState state, long token, List<String> keys) {
        return TaskEvent.newBuilder().setTaskId(taskId).setSequence(sequence).setState(state).setTopic("document")
                .setSubtype("put").setSource("history-test").setOccurredAt(Instant.now()).setAttempt(token > 0 ? 1 : 0)
                .setFencingToken(token).setChangedDocumentKeys(keys).build();
    }

    /** The events up to and including DISPATCHED, as the broker emits them for a task with these keys. */
    static List<TaskEvent> dispatched(String taskId, List<String> keys) {
        return List.of(event(taskId, 1, TaskState.SUBMITTED, 0, keys), event(taskId, 2, TaskState.DISPATCHED, 1, keys));
    }

    /** As {@link #dispatched(String, List)}, with the lock epoch the broker granted each key. */
    static List<TaskEvent> dispatched(String taskId, List<String> keys, List<Long> epochs) {
        TaskEvent dispatched = event(taskId, 2, TaskState.DISPATCHED, 1, keys);
        dispatched.setLockEpochs(epochs);
        return List.of(event(taskId, 1, TaskState.SUBMITTED, 0, keys), dispatched);
    }

    /** The events up to and including DISPATCHED of a task without declared keys on task topic {@code topic}. */
    static List<TaskEvent> dispatchedOn(String topic, String taskId) {
        return dispatched(taskId, List.of()).stream().peek(e -> e.setTopic(topic)).toList();
    }

    static RollbackCommand rollback(String taskId) {
        return RollbackCommand.newBuilder().setTaskId(taskId).setTopic("document").setSubtype("put").setFencingToken(1)
                .setCause(TaskState.FAILED).setReason("test").setRequestedAt(Instant.now()).build();
    }
}

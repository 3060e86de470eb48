package io.stackl.tasks.client;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * A submitted task: the gateway has handed it to Kafka, so it will run (or be rejected) whatever happens to this
 * program. Wait for its end with {@link #await}, follow it with {@link #watch}, or cancel it.
 */
public final class TaskHandle {

    private final StacklClient client;
    private final String taskId;
    private final String idempotencyKey;
    private final boolean duplicate;
    private final TaskOutcome endedWithin;

    TaskHandle(StacklClient client, String taskId, String idempotencyKey, boolean duplicate, TaskOutcome endedWithin) {
        this.client = client;
        this.taskId = taskId;
        this.idempotencyKey = idempotencyKey;
        this.duplicate = duplicate;
        this.endedWithin = endedWithin;
    }

    public String taskId() {
        return taskId;
    }

    /** The idempotency key it was submitted with (given, or made up by the client). */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /**
     * True if the idempotency key had been used before: this handle is then the first task with that key, and nothing
     * new was started.
     */
    public boolean duplicate() {
        return duplicate;
    }

    /**
     * Waits until the task ends and says how.
     *
     * @throws AwaitTimeoutException if it has not ended within {@code timeout} (it goes on running)
     */
    public TaskOutcome await(Duration timeout) {
        if (endedWithin != null) {
            return endedWithin;
        }
        return client.await(taskId, timeout);
    }

    /** Hands each lifecycle event to {@code listener} until the task ends; returns the terminal event. */
    public TaskEvent watch(Consumer<TaskEvent> listener, Duration timeout) {
        return client.watch(taskId, listener, timeout);
    }

    /** Asks for the task to be cancelled: it is rolled back. Its outcome still comes through {@link #await}. */
    public void cancel(String reason) {
        client.cancel(taskId, reason);
    }

    public Task get() {
        return client.get(taskId);
    }

    @Override
    public String toString() {
        return "TaskHandle[" + taskId + (duplicate ? ", duplicate" : "") + "]";
    }
}

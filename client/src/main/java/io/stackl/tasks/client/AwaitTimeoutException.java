package io.stackl.tasks.client;

import java.time.Duration;

/** A task did not end within the time a caller was willing to wait. It goes on running: this is not a failure of it. */
public class AwaitTimeoutException extends StacklException {

    private final String taskId;
    private final TaskState lastState;

    public AwaitTimeoutException(String taskId, TaskState lastState, Duration waited) {
        super("task " + taskId + " had not ended after " + waited.toMillis() + " ms; it was " + lastState);
        this.taskId = taskId;
        this.lastState = lastState;
    }

    public String taskId() {
        return taskId;
    }

    /** The last state seen, {@link TaskState#UNKNOWN} if none was. */
    public TaskState lastState() {
        return lastState;
    }
}

package io.stackl.tasks.broker.domain;

import io.stackl.tasks.schema.TaskState;
import java.util.EnumSet;
import java.util.Set;

/** Which lifecycle states end a task (DESIGN.md): a task reaches exactly one of them, once. */
public final class TaskStates {

    public static final Set<TaskState> TERMINAL =
            EnumSet.of(TaskState.SUCCEEDED, TaskState.ROLLED_BACK, TaskState.ROLLBACK_FAILED, TaskState.REJECTED);

    /** States in which the task holds or waits for resources and a deadline runs. */
    public static final Set<TaskState> IN_FLIGHT =
            EnumSet.of(TaskState.SUBMITTED, TaskState.WAITING_FOR_LOCKS, TaskState.DISPATCHED, TaskState.ROLLING_BACK);

    private TaskStates() {}

    public static boolean isTerminal(TaskState state) {
        return TERMINAL.contains(state);
    }
}

package io.stackl.tasks.broker.domain;

import io.stackl.tasks.schema.TaskState;
import java.util.EnumSet;
import java.util.Set;

/** Which lifecycle states end a task (DESIGN.md): a task reaches exactly one of them, once. */
public final class TaskStates {

    public static final Set<TaskState> TERMINAL =
            EnumSet.of(TaskState.SUCCEEDED, TaskState.ROLLED_BACK, TaskState.ROLLBACK_FAILED, TaskState.REJECTED);

    private TaskStates() {}

    public static boolean isTerminal(TaskState state) {
        return TERMINAL.contains(state);
    }
}

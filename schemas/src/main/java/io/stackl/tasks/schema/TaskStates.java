package io.stackl.tasks.schema;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Which lifecycle states end a task: a task reaches exactly one of them, once, and never leaves it. */
public final class TaskStates {

    public static final Set<TaskState> TERMINAL = Collections.unmodifiableSet(
            EnumSet.of(TaskState.SUCCEEDED, TaskState.ROLLED_BACK, TaskState.ROLLBACK_FAILED, TaskState.REJECTED));

    /** Every state a task can be in, by name: all of the schema's but {@code UNKNOWN}, the reader's default. */
    public static final List<String> NAMES = Arrays.stream(TaskState.values()).filter(s -> s != TaskState.UNKNOWN)
            .map(Enum::name).toList();

    private TaskStates() {}

    public static boolean isTerminal(TaskState state) {
        return TERMINAL.contains(state);
    }

    /** For a state read as text (a JSON body): false for null and for a name this version does not know. */
    public static boolean isTerminal(String state) {
        if (state == null) {
            return false;
        }
        try {
            return isTerminal(TaskState.valueOf(state));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

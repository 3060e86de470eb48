package io.stackl.tasks.client;

/**
 * Where a task is in its lifecycle. Four states end it: {@link #SUCCEEDED}, {@link #ROLLED_BACK},
 * {@link #ROLLBACK_FAILED} and {@link #REJECTED}; a task reaches exactly one of them, once.
 */
public enum TaskState {
    /** The gateway handed it to Kafka; the broker has not taken it up yet. */
    ACCEPTED,
    SUBMITTED,
    WAITING_FOR_LOCKS,
    DISPATCHED,
    SUCCEEDED,
    FAILED,
    TIMED_OUT,
    CANCELLED,
    ROLLING_BACK,
    ROLLED_BACK,
    ROLLBACK_FAILED,
    REJECTED,
    RETRY_WAITING,
    /** A state this client does not know (a newer server). */
    UNKNOWN;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == ROLLED_BACK || this == ROLLBACK_FAILED || this == REJECTED;
    }

    /** The state named {@code name}; {@link #UNKNOWN} for null or a name this version does not know. */
    public static TaskState of(String name) {
        if (name == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException newer) {
            return UNKNOWN;
        }
    }
}

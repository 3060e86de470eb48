package io.stackl.tasks.cli;

import io.stackl.tasks.client.TaskState;

/** The exit codes, one per way a task ends, so that scripts can branch on them (listed in {@code stackl --help}). */
final class ExitCodes {

    static final int OK = 0;
    static final int ERROR = 1;
    static final int ROLLED_BACK = 3;
    static final int ROLLBACK_FAILED = 4;
    static final int REJECTED = 5;
    static final int NOT_ENDED = 6;

    private ExitCodes() {}

    static int of(TaskState state) {
        return switch (state) {
            case SUCCEEDED -> OK;
            case ROLLED_BACK -> ROLLED_BACK;
            case ROLLBACK_FAILED -> ROLLBACK_FAILED;
            case REJECTED -> REJECTED;
            default -> NOT_ENDED;
        };
    }
}

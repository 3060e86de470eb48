package io.stackl.tasks.broker.domain;

/**
 * A request on its way into the task partition, with the idempotency check's verdict (internal topic
 * {@code task-admissions}, keyed by task id). Requests without an idempotency key are admitted directly.
 */
public record Admission(TaskSpec spec, Verdict verdict, String relatedTaskId) {

    public enum Verdict {
        /** New work. */
        NEW,
        /** The key was used within the window for the same request: no second task. */
        DUPLICATE,
        /** The key was used within the window for a different request. */
        CONFLICT
    }

    public static Admission fresh(TaskSpec spec) {
        return new Admission(spec, Verdict.NEW, null);
    }
}

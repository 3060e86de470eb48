package io.stackl.tasks.broker.domain;

/**
 * A request on its way into the task partition, with the idempotency check's verdict (internal topic
 * {@code task-admissions}, keyed by task id). Requests without an idempotency key are admitted directly, and so are
 * invalid requests: they never reach the idempotency check, so a refused request does not hold its key.
 */
public record Admission(TaskSpec spec, Verdict verdict, String relatedTaskId, String reason) {

    public enum Verdict {
        /** New work. */
        NEW,
        /** The key was used within the window for the same request: no second task. */
        DUPLICATE,
        /** The key was used within the window for a different request. */
        CONFLICT,
        /** The request cannot be a task ({@link #reason()} says why); found at the intake, so it took no key. */
        INVALID
    }

    public Admission(TaskSpec spec, Verdict verdict, String relatedTaskId) {
        this(spec, verdict, relatedTaskId, null);
    }

    public static Admission fresh(TaskSpec spec) {
        return new Admission(spec, Verdict.NEW, null, null);
    }

    public static Admission invalid(TaskSpec spec, String reason) {
        return new Admission(spec, Verdict.INVALID, null, reason);
    }
}

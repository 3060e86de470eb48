package io.stackl.tasks.broker.topology;

/**
 * Every node, store and internal topic of the broker's topology. A store name is also the name of its changelog
 * topic and an internal topic holds data in flight, so renaming any of them loses state: that needs an ADR.
 */
public final class TopologyNames {

    // Sources (values are raw bytes, decoded by the processor behind each so that bad records reach the DLQ).
    public static final String REQUESTS_SOURCE = "task-requests-source";
    public static final String COMMANDS_SOURCE = "task-commands-source";
    public static final String RESULTS_SOURCE = "task-results-source";
    public static final String ROLLBACK_REPORTS_SOURCE = "task-rollback-reports-source";
    public static final String ADMISSIONS_SOURCE = "task-admissions-source";
    public static final String LOCK_GRANTS_SOURCE = "task-lock-grants-source";
    public static final String IDEMPOTENCY_CHECKS_SOURCE = "task-idempotency-checks-source";
    public static final String LOCK_REQUESTS_SOURCE = "task-lock-requests-source";

    // Processors.
    public static final String REQUEST_INTAKE = "task-request-intake";
    public static final String COMMANDS_DECODER = "task-commands-decoder";
    public static final String RESULTS_DECODER = "task-results-decoder";
    public static final String ROLLBACK_REPORTS_DECODER = "task-rollback-reports-decoder";
    public static final String ADMISSIONS_DECODER = "task-admissions-decoder";
    public static final String LOCK_GRANTS_DECODER = "task-lock-grants-decoder";
    public static final String IDEMPOTENCY_PROCESSOR = "task-idempotency-processor";
    public static final String TASK_PROCESSOR = "task-lifecycle-processor";
    public static final String LOCK_PROCESSOR = "document-lock-processor";

    // Sinks.
    public static final String EVENTS_SINK = "task-events-sink";
    public static final String WORK_SINK = "task-work-sink";
    public static final String ROLLBACKS_SINK = "task-rollbacks-sink";
    public static final String LOCK_REQUESTS_SINK = "task-lock-requests-sink";
    public static final String LOCK_GRANTS_SINK = "task-lock-grants-sink";
    public static final String IDEMPOTENCY_CHECKS_SINK = "task-idempotency-checks-sink";
    public static final String ADMISSIONS_SINK = "task-admissions-sink";
    public static final String DEAD_LETTERS_SINK = "task-dead-letters-sink";

    // Stores.
    /** Task id → {@code BrokerTask} (JSON). */
    public static final String TASKS_STORE = "tasks-store";
    /** {@code <deadline>:<task id>} → task id; see {@code DeadlineIndex}. */
    public static final String DEADLINES_STORE = "task-deadlines-store";
    /** {@code <source>\u0000<idempotency key>} → {@code IdempotencyEntry} (JSON). */
    public static final String IDEMPOTENCY_STORE = "task-idempotency-store";
    /** {@code <expiry>:<idempotency store key>} → idempotency store key. */
    public static final String IDEMPOTENCY_EXPIRY_STORE = "task-idempotency-expiry-store";
    /** Document key → {@code LockQueue} (JSON): the holder and the FIFO of waiting task ids. */
    public static final String LOCKS_STORE = "document-locks-store";
    /** {@code last} → the number of the partition's last lock grant (ADR 0017); see {@code LockTable}. */
    public static final String LOCK_EPOCHS_STORE = "lock-epochs-store";

    // Internal topics (created by the broker with the partition count of the task topics).
    /** Requests with an idempotency key, keyed by that key so that one partition decides. */
    public static final String IDEMPOTENCY_CHECKS_TOPIC = "task-idempotency-checks";
    /** Requests on their way to the task partition, keyed by task id. */
    public static final String ADMISSIONS_TOPIC = "task-admissions";
    /** {@code LockCommand}s keyed by document key. */
    public static final String LOCK_REQUESTS_TOPIC = "task-lock-requests";
    /** {@code LockGrant}s keyed by task id. */
    public static final String LOCK_GRANTS_TOPIC = "task-lock-grants";

    private TopologyNames() {}
}

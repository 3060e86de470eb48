package io.stackl.tasks.broker.topology;

import io.stackl.tasks.schema.TaskEvent;

/** What the topology reports as it runs; {@code BrokerMetrics} turns it into Micrometer meters. */
public interface TaskObserver {

    TaskObserver NONE = new TaskObserver() {};

    /** Every lifecycle event emitted. */
    default void transition(TaskEvent event) {}

    /** An input that changed nothing: a stale or late result, a cancel for an ended task, a stale lock grant. */
    default void ignored(String input, String why) {}

    /** A timeout fired {@code latenessMs} after its deadline; negative would mean early, which must never happen. */
    default void timeoutFired(long latenessMs) {}

    /** A rollback's report is overdue: the command was sent to the history service again, the locks stay held. */
    default void rollbackOverdue() {}

    /** A task got its last lock after waiting this long. */
    default void lockWait(long waitMs) {}

    /** A record went to the dead-letter topic. */
    default void deadLettered(String topic, Throwable error) {}

    /** One deadline scan: how many deadlines it handled and how long it took. */
    default void deadlineScan(int handled, long tookNanos) {}
}

package io.stackl.tasks.broker.domain;

import java.time.Duration;
import java.util.Set;

/**
 * The rules the lifecycle applies, as plain values (the Quarkus {@code BrokerConfig} maps onto it), so that the
 * domain and the topology are built and tested without CDI.
 *
 * @param taskTopics the task topics the broker accepts; each has a work topic {@code task-work.<topic>}
 * @param requireExplicitTimeouts when true a request without both timeouts is rejected; when false the defaults apply
 * @param tryLocksAtOnce a task declaring several keys first tries them all at once (ADR 0008); when false it queues
 *     for them one after another, as brokers before ADR 0008 did
 */
public record BrokerSettings(
        Set<String> taskTopics,
        Duration defaultQueueTimeout,
        Duration maxQueueTimeout,
        Duration defaultExecutionTimeout,
        Duration maxExecutionTimeout,
        boolean requireExplicitTimeouts,
        Duration rollbackTimeout,
        Duration terminalRetention,
        Duration idempotencyWindow,
        Duration deadlineScanInterval,
        int deadlineScanMaxEntries,
        Duration deadlineScanBudget,
        int maxLockKeys,
        boolean tryLocksAtOnce) {

    /** Defaults that suit tests and a local run; production values come from configuration. */
    public static BrokerSettings defaults(Set<String> taskTopics) {
        return new BrokerSettings(taskTopics, Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(60),
                Duration.ofHours(24), false, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofHours(24),
                Duration.ofMillis(100), 1000, Duration.ofMillis(50), 256, true);
    }

    public BrokerSettings withTryLocksAtOnce(boolean tryAtOnce) {
        return new BrokerSettings(taskTopics, defaultQueueTimeout, maxQueueTimeout, defaultExecutionTimeout,
                maxExecutionTimeout, requireExplicitTimeouts, rollbackTimeout, terminalRetention, idempotencyWindow,
                deadlineScanInterval, deadlineScanMaxEntries, deadlineScanBudget, maxLockKeys, tryAtOnce);
    }
}

package io.stackl.tasks.broker.domain;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The rules the lifecycle applies, as plain values (the Quarkus {@code BrokerConfig} maps onto it), so that the
 * domain and the topology are built and tested without CDI.
 *
 * @param taskTopics the task topics the broker accepts; each has a work topic {@code task-work.<topic>}
 * @param requireExplicitTimeouts when true a request without both timeouts is rejected; when false the defaults apply
 * @param tryLocksAtOnce a task declaring several keys first tries them all at once (ADR 0008); when false it queues
 *     for them one after another, as brokers before ADR 0008 did
 * @param localLocks the task partition takes and hands over the locks of the keys that live on its own partition
 *     itself, in the same transaction, instead of through the lock topics (ADR 0017)
 * @param partitions the partition count of the task-keyed topics and of {@code task-lock-requests}: which keys and
 *     task ids are local to a partition is computed from it, so it must be the topics' real count
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
        boolean tryLocksAtOnce,
        boolean localLocks,
        int partitions,
        Map<String, RetryPolicy> retryDefaults) {

    public BrokerSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        retryDefaults = retryDefaults == null ? Map.of() : Map.copyOf(retryDefaults);
    }

    /** The policy of a task of {@code topic} that asks for none: the topic's configured default, else one attempt. */
    public RetryPolicy retryPolicyFor(String topic) {
        return retryDefaults.getOrDefault(topic, RetryPolicy.ONCE);
    }

    public BrokerSettings withRetryDefaults(Map<String, RetryPolicy> defaults) {
        return toBuilder().retryDefaults(defaults).build();
    }

    /**
     * Defaults that suit tests and a local run; production values come from configuration. One partition, as in a
     * {@code TopologyTestDriver}: every key and task is local.
     */
    public static BrokerSettings defaults(Set<String> taskTopics) {
        return new BrokerSettings(taskTopics, Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(60),
                Duration.ofHours(24), false, Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofHours(24),
                Duration.ofSeconds(1), 1000, Duration.ofMillis(50), 256, true, true, 1, Map.of());
    }

    /** With another longest wait between deadline scans, and another count of deadlines one scan takes at most. */
    public BrokerSettings withDeadlineScan(Duration interval, int maxEntries) {
        return toBuilder().deadlineScan(interval, maxEntries).build();
    }

    public BrokerSettings withTryLocksAtOnce(boolean tryAtOnce) {
        return toBuilder().tryLocksAtOnce(tryAtOnce).build();
    }

    /** With the local lock path on or off (ADR 0017), for topics of {@code count} partitions. */
    public BrokerSettings withLocalLocks(boolean local, int count) {
        return toBuilder().localLocks(local).partitions(count).build();
    }

    public BrokerSettings withRequireExplicitTimeouts(boolean required) {
        return toBuilder().requireExplicitTimeouts(required).build();
    }

    private Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes settings by name; the rest keep their values. */
    private static final class Builder {
        private Set<String> taskTopics;
        private Duration defaultQueueTimeout;
        private Duration maxQueueTimeout;
        private Duration defaultExecutionTimeout;
        private Duration maxExecutionTimeout;
        private boolean requireExplicitTimeouts;
        private Duration rollbackTimeout;
        private Duration terminalRetention;
        private Duration idempotencyWindow;
        private Duration deadlineScanInterval;
        private int deadlineScanMaxEntries;
        private Duration deadlineScanBudget;
        private int maxLockKeys;
        private boolean tryLocksAtOnce;
        private boolean localLocks;
        private int partitions;
        private Map<String, RetryPolicy> retryDefaults;

        private Builder(BrokerSettings settings) {
            taskTopics = settings.taskTopics;
            defaultQueueTimeout = settings.defaultQueueTimeout;
            maxQueueTimeout = settings.maxQueueTimeout;
            defaultExecutionTimeout = settings.defaultExecutionTimeout;
            maxExecutionTimeout = settings.maxExecutionTimeout;
            requireExplicitTimeouts = settings.requireExplicitTimeouts;
            rollbackTimeout = settings.rollbackTimeout;
            terminalRetention = settings.terminalRetention;
            idempotencyWindow = settings.idempotencyWindow;
            deadlineScanInterval = settings.deadlineScanInterval;
            deadlineScanMaxEntries = settings.deadlineScanMaxEntries;
            deadlineScanBudget = settings.deadlineScanBudget;
            maxLockKeys = settings.maxLockKeys;
            tryLocksAtOnce = settings.tryLocksAtOnce;
            localLocks = settings.localLocks;
            partitions = settings.partitions;
            retryDefaults = settings.retryDefaults;
        }

        Builder requireExplicitTimeouts(boolean value) {
            requireExplicitTimeouts = value;
            return this;
        }

        Builder tryLocksAtOnce(boolean value) {
            tryLocksAtOnce = value;
            return this;
        }

        Builder localLocks(boolean value) {
            localLocks = value;
            return this;
        }

        Builder deadlineScan(Duration interval, int maxEntries) {
            deadlineScanInterval = interval;
            deadlineScanMaxEntries = maxEntries;
            return this;
        }

        Builder partitions(int value) {
            partitions = value;
            return this;
        }

        Builder retryDefaults(Map<String, RetryPolicy> value) {
            retryDefaults = value;
            return this;
        }

        BrokerSettings build() {
            return new BrokerSettings(taskTopics, defaultQueueTimeout, maxQueueTimeout, defaultExecutionTimeout,
                    maxExecutionTimeout, requireExplicitTimeouts, rollbackTimeout, terminalRetention, idempotencyWindow,
                    deadlineScanInterval, deadlineScanMaxEntries, deadlineScanBudget, maxLockKeys, tryLocksAtOnce,
                    localLocks, partitions, retryDefaults);
        }
    }
}

package io.stackl.tasks.broker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.broker.domain.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The broker's own settings, {@code tasks.broker.*}; see the module README for what each does. */
@ConfigMapping(prefix = "tasks.broker")
public interface BrokerConfig {

    /** The task topics workers serve; a request for any other topic is rejected. */
    @WithDefault("document,http,noop")
    Set<String> taskTopics();

    /** Partitions of every task-keyed topic; they must all be equal (co-partitioned). */
    @WithDefault("6")
    int partitions();

    @WithDefault("1")
    short replicationFactor();

    /** Create missing topics at start-up (off where an operator or Strimzi owns topics). */
    @WithDefault("true")
    boolean provisionTopics();

    Timeouts timeouts();

    DeadlineScan deadlineScan();

    /** How long a repeated idempotency key maps to the first task. */
    @WithDefault("24h")
    Duration idempotencyWindow();

    /** How long a terminal task stays queryable here; the history service keeps it for good. */
    @WithDefault("1h")
    Duration terminalRetention();

    @WithDefault("256")
    int maxLockKeys();

    /**
     * The longest a stop may take: Kafka Streams is closed within it (commit, leave the group), else the process ends
     * anyway (BoundedShutdown). Keep it below the pod's termination grace period.
     */
    @WithDefault("20s")
    Duration shutdownTimeout();

    /**
     * A stream thread whose consumer has not polled for this long is stuck (a call that never returns): the liveness
     * check fails, and Kubernetes restarts the broker. At least Kafka's {@code max.poll.interval.ms} (5 minutes), after
     * which the thread has left its group anyway.
     */
    @WithDefault("5m")
    Duration stuckThreadAfter();

    /**
     * A task declaring several keys first tries them all at once, and queues one by one only for what was taken
     * (ADR 0008). Turn off while a rolling upgrade from a broker before ADR 0008 is under way: safe either way, but
     * tasks caught between versions may otherwise wait until their queue timeout.
     */
    @WithDefault("true")
    boolean tryLocksAtOnce();

    /**
     * The task partition takes and hands over the locks of keys on its own partition itself, in one transaction with
     * the task's own step, instead of a round trip through {@code task-lock-requests} and {@code task-lock-grants}
     * (ADR 0017). It numbers lock grants in a way older brokers do not, and connects the lock store to the task
     * processor: change it, and upgrade to the release that brings it, only with every instance stopped.
     */
    @WithDefault("true")
    boolean localLocks();

    interface Timeouts {
        @WithDefault("30s")
        Duration queueDefault();

        @WithDefault("1h")
        Duration queueMax();

        @WithDefault("60s")
        Duration executionDefault();

        @WithDefault("24h")
        Duration executionMax();

        /** Reject requests that leave a timeout out instead of applying the default. */
        @WithDefault("false")
        boolean requireExplicit();

        /**
         * How long the history service has to report a rollback before it is asked again. The task keeps its locks
         * until the report comes (ADR 0007): it ends with the history service's word, never on a guess.
         */
        @WithDefault("5m")
        Duration rollback();
    }

    interface DeadlineScan {
        /**
         * The longest time between two scans of the deadline index. A scan runs when the earliest deadline is due
         * (ADR 0018); this bounds the wait when none is, and each scan costs Kafka Streams a commit of the partition.
         */
        @WithDefault("1s")
        Duration interval();

        /** At most this many deadlines per scan; the rest are taken by the next, right after the records waiting. */
        @WithDefault("1000")
        int maxEntries();

        /** At most this much time per scan. */
        @WithDefault("50ms")
        Duration budget();
    }

    /**
     * The retry policy of the tasks of a topic that ask for none (ADR 0012), by task topic:
     * {@code tasks.broker.retry."<topic>".max-attempts} and so on. A topic not listed: one attempt.
     */
    Map<String, Retry> retry();

    interface Retry {
        @WithDefault("1")
        int maxAttempts();

        @WithDefault("1s")
        Duration initialBackoff();

        @WithDefault("2.0")
        double backoffMultiplier();

        @WithDefault("60s")
        Duration maxBackoff();

        @WithDefault("0.2")
        double jitter();

        Optional<List<String>> nonRetryableCodes();

        /** The overall bound: no retry starts later than this after the task was accepted. Unset: none. */
        Optional<Duration> retryWithin();

        default RetryPolicy toPolicy() {
            return new RetryPolicy(maxAttempts(), initialBackoff().toMillis(), backoffMultiplier(),
                    maxBackoff().toMillis(), jitter(), nonRetryableCodes().orElse(List.of()),
                    retryWithin().map(Duration::toMillis).orElse(null));
        }
    }

    default BrokerSettings toSettings() {
        Map<String, RetryPolicy> retries = new TreeMap<>();
        retry().forEach((topic, retry) -> {
            RetryPolicy policy = retry.toPolicy();
            if (policy.problem() != null) {
                throw new IllegalArgumentException("tasks.broker.retry.\"" + topic + "\": " + policy.problem());
            }
            retries.put(topic, policy);
        });
        return new BrokerSettings(Set.copyOf(taskTopics()), timeouts().queueDefault(), timeouts().queueMax(),
                timeouts().executionDefault(), timeouts().executionMax(), timeouts().requireExplicit(),
                timeouts().rollback(), terminalRetention(), idempotencyWindow(), deadlineScan().interval(),
                deadlineScan().maxEntries(), deadlineScan().budget(), maxLockKeys(), tryLocksAtOnce(), localLocks(),
                partitions(), retries);
    }
}

package io.stackl.tasks.history.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The history service's own settings, {@code tasks.history.*}; see the module README. */
@ConfigMapping(prefix = "tasks.history")
public interface HistoryConfig {

    /** Consumer group of the history recorder (events and results) and of the rollback consumer (suffixed). */
    @WithDefault("history-service")
    String consumerGroup();

    /** At most this many records are stored in one transaction. */
    @WithDefault("500")
    int maxBatch();

    /** Start the Kafka consumers (off in tests that drive the services directly). */
    @WithDefault("true")
    boolean consumersEnabled();

    /** Create the public topics this service uses when missing (the broker does the same, with the same count). */
    @WithDefault("true")
    boolean provisionTopics();

    /** Partitions of the topics it creates; must equal the broker's {@code tasks.broker.partitions}. */
    @WithDefault("6")
    int partitions();

    @WithDefault("1")
    short replicationFactor();

    /**
     * Consumer session timeout: how long a crashed history service keeps its partitions before a restarted one (or
     * another replica) gets them. Kafka's default, 45 s, left every fence unknown for that long after a crash.
     */
    @WithDefault("10s")
    Duration sessionTimeout();

    /** Task topics whose work topics it may send compensation work items to. */
    @WithDefault("document,http,noop")
    java.util.Set<String> taskTopics();

    /**
     * How long after a rolled-back attempt's deadline its undo may start: a handler's call is bounded by the deadline,
     * and the grace covers clock differences between hosts and the call's last bytes.
     */
    @WithDefault("2s")
    Duration undoGrace();

    /**
     * How long a write for a task whose DISPATCHED event is not recorded yet waits to be told that it is, before 503
     * task-not-yet-known (ADR 0011); 0 answers at once.
     */
    @WithDefault("2s")
    Duration fenceWait();

    /**
     * At most this many writes wait for their fence at once (each holds a request thread); more are answered 503
     * task-not-yet-known at once, as with no wait.
     */
    @WithDefault("64")
    int fenceMaxWaiters();

    /** How long a worker has to run the compensation of a rollback before the rollback fails. */
    @WithDefault("5m")
    Duration compensationTimeout();

    /**
     * How many times the compensation of one rollback is handed to the workers (again each time the broker asks for
     * the rollback again, having had no report) before the rollback fails with {@code COMPENSATION_TIMEOUT}.
     */
    @WithDefault("5")
    int maxCompensationAttempts();

    Retention retention();

    interface Retention {
        /** History of tasks that ended longer ago than this is purged; 0 keeps it for good. */
        @WithDefault("30d")
        Duration keep();

        @WithDefault("1h")
        Duration interval();
    }
}

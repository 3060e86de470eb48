package io.stackl.tasks.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** The worker's own settings, {@code tasks.worker.*}; see the module README. */
@ConfigMapping(prefix = "tasks.worker")
public interface WorkerConfig {

    /** The task topics this worker serves; empty = every topic a handler serves. */
    Optional<Set<String>> topics();

    /** All replicas of the worker share each work topic through this group. */
    @WithDefault("workers")
    String group();

    /** Work items run at once (and the most taken per poll). */
    @WithDefault("8")
    int maxParallel();

    /** The history service, for document writes and undo records. */
    String historyUrl();

    /** The workers' service token for the history service's internal API (its {@code tasks.internal-api.tokens.worker}). */
    String historyToken();

    /** On shutdown, in-flight work gets this long; what has not finished by then is given up (not acknowledged). */
    @WithDefault("10s")
    Duration shutdownGrace();

    @WithDefault("true")
    boolean provisionTopics();

    /** How soon a crashed replica's work moves to the others. */
    @WithDefault("10s")
    Duration sessionTimeout();

    /**
     * When a rebalance takes partitions away, their running items get this long to finish and be committed, so that
     * the new owner does not run them again; the whole group waits meanwhile. Keep it well under the session timeout.
     */
    @WithDefault("3s")
    Duration rebalanceGrace();

    /** The consumer polls all the time, also while every slot is busy: this only evicts a replica whose loop hangs. */
    @WithDefault("1h")
    Duration maxPollInterval();

    /** This replica's name in results; default {@code <pid>@<hostname>}. */
    Optional<String> id();

    Http http();

    /** The built-in HTTP handler (topic {@code http}). */
    interface Http {
        /** Where each {@code http} task is POSTed. */
        Optional<String> url();

        /** Where the recorded undo entry is POSTed on rollback. */
        Optional<String> undoUrl();
    }

    /** Partitions of the topics it creates; must equal the broker's {@code tasks.broker.partitions}. */
    @WithDefault("6")
    int partitions();

    /** Replication factor of the topics it creates (3 on a production cluster). */
    @WithDefault("1")
    short replicationFactor();
}

package io.stackl.tasks.broker.kafka;

import io.quarkus.runtime.ShutdownEvent;
import io.stackl.tasks.broker.config.BrokerConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/**
 * Stopping takes at most {@code tasks.broker.shutdown-timeout}. Quarkus closes Kafka Streams without a bound, and a
 * stream thread blocked on an unreachable Kafka (a commit, a send, an offset lookup) keeps it waiting for its clients'
 * own timeouts, a minute and more: past the pod's grace period, into a SIGKILL. So the broker closes Kafka Streams
 * itself first, with the bound; when the bound passes, it ends the process at once. That is no less safe than the
 * SIGKILL it forestalls: with exactly-once, an open transaction is aborted by Kafka. It costs what a SIGKILL costs:
 * no checkpoint is written, so the next start restores the stores from their changelogs, and read_committed
 * consumers wait behind the open transaction until Kafka aborts it. A healthy close (Kafka reachable) takes a second
 * or two, far inside the bound.
 */
@ApplicationScoped
public class BoundedShutdown {

    private static final Logger LOG = Logger.getLogger(BoundedShutdown.class);
    /** The exit status of a stop that had to give up waiting for Kafka Streams. */
    static final int EXIT_CLOSE_TIMED_OUT = 3;

    private final KafkaStreams streams;
    private final Duration timeout;

    BoundedShutdown(KafkaStreams streams, BrokerConfig config) {
        this.streams = streams;
        this.timeout = config.shutdownTimeout();
    }

    /**
     * Before every other observer of the stop: Quarkus' Kafka Streams extension observes it too (at the default
     * priority) and closes without a bound; after this, its close() finds Kafka Streams closed and returns at once.
     */
    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        long started = System.nanoTime();
        if (streams.close(timeout)) {
            LOG.infof("Kafka Streams closed in %d ms", (System.nanoTime() - started) / 1_000_000);
            return;
        }
        LOG.errorf("Kafka Streams did not close within %s (is Kafka reachable?); exiting without waiting further. "
                + "Its transactions are aborted by Kafka and its state restored from the changelogs at the next start.",
                timeout);
        Runtime.getRuntime().halt(EXIT_CLOSE_TIMED_OUT);
    }
}

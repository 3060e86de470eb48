package io.stackl.tasks.broker.kafka;

import io.quarkus.runtime.ShutdownEvent;
import io.stackl.tasks.broker.config.BrokerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/**
 * Stopping takes at most {@code tasks.broker.shutdown-timeout}. Quarkus closes Kafka Streams without a bound, and a
 * stream thread blocked on an unreachable Kafka (a commit, a send, an offset lookup) keeps it waiting for its clients'
 * own timeouts, a minute and more: past the pod's grace period, into a SIGKILL. So the broker closes Kafka Streams
 * itself first, with the bound; when the bound passes, it ends the process at once. That is no less safe than the
 * SIGKILL it forestalls: with exactly-once, an open transaction is aborted by Kafka and the state stores are
 * restored from their changelogs at the next start.
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

    void onStop(@Observes ShutdownEvent event) {
        long started = System.nanoTime();
        // The ShutdownEvent comes before Quarkus destroys its beans; its own close() then finds Kafka Streams closed.
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

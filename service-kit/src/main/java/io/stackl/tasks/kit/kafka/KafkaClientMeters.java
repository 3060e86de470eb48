package io.stackl.tasks.kit.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A Kafka client's own metrics in the service's registry, for as long as this is open: {@code kafka_consumer_*} (lag
 * per partition, fetches, commits, rebalances) or {@code kafka_producer_*}. Close it before the client (declare it
 * after the client in a try-with-resources): its meters go, and nothing binds them again.
 */
public final class KafkaClientMeters implements AutoCloseable {

    /**
     * How often new client metrics are looked for. A consumer's per-partition lag exists only once the partition is
     * assigned, after the binder was created; Micrometer's default (a minute) would leave it out of the first scrapes.
     */
    private static final Duration REFRESH = Duration.ofSeconds(5);

    private final ScheduledExecutorService refresher;
    private final KafkaClientMetrics meters;

    private KafkaClientMeters(ScheduledExecutorService refresher, KafkaClientMetrics meters, MeterRegistry registry) {
        this.refresher = refresher;
        this.meters = meters;
        meters.bindTo(registry);
    }

    public static KafkaClientMeters bind(MeterRegistry registry, org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        ScheduledExecutorService refresher = refresher();
        return new KafkaClientMeters(refresher, new KafkaClientMetrics(consumer, Tags.empty(), refresher, REFRESH),
                registry);
    }

    public static KafkaClientMeters bind(MeterRegistry registry, org.apache.kafka.clients.producer.Producer<?, ?> producer) {
        ScheduledExecutorService refresher = refresher();
        return new KafkaClientMeters(refresher, new KafkaClientMetrics(producer, Tags.empty(), refresher, REFRESH),
                registry);
    }

    /**
     * Its own: Micrometer neither stops a refresher it was given nor cancels its task, and a refresh after the client
     * closed would register the closed client's meters again (Kafka drops some of them at close, so the set differs).
     */
    private static ScheduledExecutorService refresher() {
        return Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "kafka-client-meters");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        meters.close();
    }
}

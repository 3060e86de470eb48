package io.stackl.tasks.kit.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A Kafka client's own metrics in the service's registry: {@code kafka_consumer_*} (lag per partition, fetches,
 * commits, rebalances) and {@code kafka_producer_*}. Close the returned binder with the client.
 */
public final class KafkaClientMeters {

    /**
     * How often new client metrics are looked for. A consumer's per-partition lag exists only once the partition is
     * assigned, after the binder was created; Micrometer's default (a minute) would leave it out of the first scrapes.
     */
    private static final Duration REFRESH = Duration.ofSeconds(5);
    private static final ScheduledExecutorService REFRESHER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "kafka-client-meters");
        thread.setDaemon(true);
        return thread;
    });

    private KafkaClientMeters() {}

    public static KafkaClientMetrics bind(MeterRegistry registry, org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        KafkaClientMetrics meters = new KafkaClientMetrics(consumer, Tags.empty(), REFRESHER, REFRESH);
        meters.bindTo(registry);
        return meters;
    }

    public static KafkaClientMetrics bind(MeterRegistry registry, org.apache.kafka.clients.producer.Producer<?, ?> producer) {
        KafkaClientMetrics meters = new KafkaClientMetrics(producer, Tags.empty(), REFRESHER, REFRESH);
        meters.bindTo(registry);
        return meters;
    }
}

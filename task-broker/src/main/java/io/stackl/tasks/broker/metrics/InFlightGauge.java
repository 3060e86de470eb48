package io.stackl.tasks.broker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.broker.config.BrokerConfig;
import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.topology.TopologyNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * {@code tasks.in.flight{task.topic}}: tasks that have not ended, in the partitions this instance owns (sum over
 * instances for the cluster). Counted from the local store on scrape, at most every 5 s.
 */
@ApplicationScoped
public class InFlightGauge {

    private static final long CACHE_MS = 5_000;

    private final KafkaStreams streams;
    private final BrokerConfig config;
    private final MeterRegistry registry;
    private Map<String, Long> counts = Map.of();
    private long countedAt;

    InFlightGauge(KafkaStreams streams, BrokerConfig config, MeterRegistry registry) {
        this.streams = streams;
        this.config = config;
        this.registry = registry;
    }

    void register(@Observes StartupEvent event) {
        for (String topic : config.taskTopics()) {
            Gauge.builder("tasks.in.flight", () -> count(topic)).tag("task.topic", topic)
                    .description("Tasks accepted and not yet ended, in this instance's partitions").register(registry);
        }
    }

    private synchronized double count(String topic) {
        long now = System.currentTimeMillis();
        if (now - countedAt > CACHE_MS) {
            counts = countAll();
            countedAt = now;
        }
        return counts.getOrDefault(topic, 0L);
    }

    private Map<String, Long> countAll() {
        Map<String, Long> byTopic = new HashMap<>();
        try (KeyValueIterator<String, BrokerTask> all = streams.store(StoreQueryParameters.fromNameAndType(
                TopologyNames.TASKS_STORE, QueryableStoreTypes.<String, BrokerTask>keyValueStore())).all()) {
            while (all.hasNext()) {
                KeyValue<String, BrokerTask> next = all.next();
                if (!next.value.isTerminal()) {
                    byTopic.merge(next.value.spec().topic(), 1L, Long::sum);
                }
            }
        } catch (InvalidStateStoreException notReady) {
            return counts;
        }
        return byTopic;
    }
}

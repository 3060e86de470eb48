package io.stackl.tasks.broker.health;

import io.stackl.tasks.broker.config.BrokerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while every stream thread keeps polling. A thread blocked inside a call that never returns (seen: a schema
 * registry request without a timeout, reached from a serializer) leaves the group when {@code max.poll.interval.ms}
 * passes, and Kafka Streams stays {@code REBALANCING} for good, which its own health check reports as up. Only a
 * restart helps, so this check fails once a stream thread's consumer has not polled for {@code stuck-thread-after}
 * (default: Kafka's {@code max.poll.interval.ms}, 5 minutes), and the liveness probe restarts the pod. Restoring state
 * stores does not count: the main consumer keeps polling while the restore consumer works.
 */
@Liveness
@ApplicationScoped
public class StreamThreadsPollingCheck implements HealthCheck {

    private final KafkaStreams streams;
    private final Duration stuckAfter;

    StreamThreadsPollingCheck(KafkaStreams streams, BrokerConfig config) {
        this.streams = streams;
        this.stuckAfter = config.stuckThreadAfter();
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, Double> silent = secondsSinceLastPoll(streams.metrics());
        HealthCheckResponseBuilder response = HealthCheckResponse.named("task-broker stream threads polling");
        boolean stuck = false;
        for (Map.Entry<String, Double> thread : silent.entrySet()) {
            response.withData(thread.getKey(), Math.round(thread.getValue()) + " s since its last poll");
            stuck |= thread.getValue() >= stuckAfter.toSeconds();
        }
        return response.status(!stuck).build();
    }

    /**
     * Per stream thread (its main consumer's client id), the seconds since it last polled: the consumer metric
     * {@code last-poll-seconds-ago}. A consumer that never polled yet reports a negative value, which is left out.
     */
    static Map<String, Double> secondsSinceLastPoll(Map<MetricName, ? extends Metric> metrics) {
        Map<String, Double> seconds = new TreeMap<>();
        metrics.forEach((name, metric) -> {
            String client = name.tags().getOrDefault("client-id", "");
            if (name.name().equals("last-poll-seconds-ago") && name.group().equals("consumer-metrics")
                    && client.endsWith("-consumer") && !client.endsWith("-restore-consumer")
                    && metric.metricValue() instanceof Number value && value.doubleValue() >= 0) {
                seconds.put(client, value.doubleValue());
            }
        });
        return seconds;
    }
}

package io.stackl.tasks.broker.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** Which metrics say how long ago each stream thread polled; the check's threshold is applied to these. */
class StreamThreadsPollingCheckTest {

    @Test
    void shouldReadTheMainConsumersOfTheStreamThreadsOnly() {
        Map<MetricName, Metric> metrics = new LinkedHashMap<>();
        put(metrics, "last-poll-seconds-ago", "consumer-metrics", "broker-1-StreamThread-1-consumer", 2.0);
        put(metrics, "last-poll-seconds-ago", "consumer-metrics", "broker-1-StreamThread-2-consumer", 412.0);
        // Restoring state stores: its own consumer, not the thread's.
        put(metrics, "last-poll-seconds-ago", "consumer-metrics", "broker-1-StreamThread-1-restore-consumer", 900.0);
        // Not yet polled at all (a thread just started).
        put(metrics, "last-poll-seconds-ago", "consumer-metrics", "broker-1-StreamThread-3-consumer", -1.0);
        put(metrics, "poll-idle-ratio-avg", "consumer-metrics", "broker-1-StreamThread-1-consumer", 0.9);
        put(metrics, "last-poll-seconds-ago", "admin-client-metrics", "broker-1-admin", 1000.0);

        assertThat(StreamThreadsPollingCheck.secondsSinceLastPoll(metrics)).containsExactly(
                Map.entry("broker-1-StreamThread-1-consumer", 2.0),
                Map.entry("broker-1-StreamThread-2-consumer", 412.0));
    }

    private static void put(Map<MetricName, Metric> metrics, String name, String group, String client, double value) {
        MetricName metricName = new MetricName(name, group, "", Map.of("client-id", client));
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }
}

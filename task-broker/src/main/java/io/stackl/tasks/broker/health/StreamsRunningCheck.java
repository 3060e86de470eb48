package io.stackl.tasks.broker.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once Kafka Streams has been RUNNING: before that the broker has no partitions and can answer no query. A
 * later rebalance keeps it ready (queries then answer 503 with Retry-After for the partitions that move), so that a
 * routine rebalance does not take every instance out of the load balancer at once.
 */
@Readiness
@ApplicationScoped
public class StreamsRunningCheck implements HealthCheck {

    private final KafkaStreams streams;
    private final AtomicBoolean wasRunning = new AtomicBoolean();

    StreamsRunningCheck(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.RUNNING) {
            wasRunning.set(true);
        }
        boolean ready = state == KafkaStreams.State.RUNNING
                || (state == KafkaStreams.State.REBALANCING && wasRunning.get());
        return HealthCheckResponse.named("task-broker streams").status(ready).withData("state", state.toString()).build();
    }
}

package io.stackl.tasks.broker.topology;

import io.stackl.tasks.broker.config.BrokerConfig;
import io.stackl.tasks.broker.metrics.BrokerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

@ApplicationScoped
public class TopologyProducer {

    @Produces
    Topology topology(BrokerConfig config, BrokerMetrics metrics,
            @ConfigProperty(name = "tasks.schema-registry.url") String registryUrl) {
        return TaskTopology.build(config.toSettings(), RecordSerdes.registry(registryUrl, config.taskTopics()), metrics,
                BrokerClock.SYSTEM);
    }
}

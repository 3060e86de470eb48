package io.stackl.tasks.broker.kafka;

import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.broker.config.BrokerConfig;
import io.stackl.tasks.broker.topology.TaskTopology;
import io.stackl.tasks.broker.topology.TopologyNames;
import io.stackl.tasks.schema.KafkaSecurity;
import io.stackl.tasks.schema.SchemaRegistration;
import io.stackl.tasks.schema.TopicAdmin;
import io.stackl.tasks.schema.Topics;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates the broker's topics before Kafka Streams starts: every task-keyed topic with the same partition count
 * (the topology requires them co-partitioned), and one work topic per configured task topic. Refuses to start when
 * an existing task-keyed topic has another partition count, since tasks would then be split across partitions.
 */
@ApplicationScoped
public class TopicProvisioner {

    private static final Logger LOG = Logger.getLogger(TopicProvisioner.class);

    /**
     * Topics that must be co-partitioned with the tasks-store: everything keyed by task id or read by a processor, and
     * {@code task-lock-requests}, whose partition of a key the task processor computes with local locks (ADR 0017).
     */
    private static final Set<String> MUST_MATCH = Set.of(Topics.TASK_REQUESTS.name(), Topics.TASK_COMMANDS.name(),
            Topics.TASK_RESULTS.name(), Topics.TASK_ROLLBACK_REPORTS.name(), TopologyNames.ADMISSIONS_TOPIC,
            TopologyNames.LOCK_GRANTS_TOPIC, TopologyNames.LOCK_REQUESTS_TOPIC);

    private final BrokerConfig config;
    private final String bootstrapServers;
    private final String registryUrl;

    TopicProvisioner(BrokerConfig config,
            @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers") String bootstrapServers,
            @ConfigProperty(name = "tasks.schema-registry.url") String registryUrl) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
    }

    void onStart(@Observes @Priority(0) StartupEvent event) throws InterruptedException, ExecutionException {
        if (!config.provisionTopics()) {
            if (config.localLocks()) {
                // Topics made by someone else: local locks still need every one to have the configured count.
                checkPartitionCounts();
            }
        } else {
            provision();
            // Every public subject exists from the start, so clients in other languages can encode with the latest
            // version of any of them (e.g. a result) before a Java service has written one.
            SchemaRegistration.registerAll(registryUrl, SchemaRegistration.subjects(
                    config.taskTopics().stream().map(Topics::workTopic).toList()));
        }
    }

    public void provision() throws InterruptedException, ExecutionException {
        List<String> names = new ArrayList<>(TaskTopology.topics());
        config.taskTopics().stream().map(Topics::workTopic).forEach(names::add);
        List<String> created = TopicAdmin.ensure(bootstrapServers, names, config.partitions(),
                config.replicationFactor());
        if (!created.isEmpty()) {
            LOG.infof("topics created: %s (%d partitions)", created, config.partitions());
        }
        checkPartitionCounts();
    }

    private void checkPartitionCounts() throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(KafkaSecurity.withSecurity(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)))) {
            Map<String, TopicDescription> described =
                    admin.describeTopics(MUST_MATCH).allTopicNames().get(30, TimeUnit.SECONDS);
            described.values().stream().filter(d -> d.partitions().size() != config.partitions()).findAny()
                    .ifPresent(d -> {
                        throw new IllegalStateException("topic " + d.name() + " has " + d.partitions().size()
                                + " partitions but tasks.broker.partitions is " + config.partitions()
                                + "; all task-keyed topics must have the same count");
                    });
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within 30 s", e);
        }
    }
}

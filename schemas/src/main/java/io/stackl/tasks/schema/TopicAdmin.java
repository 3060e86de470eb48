package io.stackl.tasks.schema;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the topics a service needs when they are missing, so that whichever service starts first, the topics
 * exist with the same partition count (all task-keyed topics must be co-partitioned; the broker checks it).
 * Where an operator or an operator tool owns topics, services run with provisioning off.
 */
public final class TopicAdmin {

    private TopicAdmin() {}

    /** Creates those of {@code names} that do not exist; returns the ones it created. */
    public static List<String> ensure(String bootstrapServers, Collection<String> names, int partitions,
            short replicationFactor) {
        try (Admin admin = Admin.create(KafkaSecurity.withSecurity(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers)))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = names.stream().distinct().filter(n -> !existing.contains(n))
                    .map(n -> new NewTopic(n, partitions, replicationFactor)).toList();
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // Another service may have created some at the same moment; that is the outcome we want.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return missing.stream().map(NewTopic::name).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topics on " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }
}

package io.stackl.tasks.gateway.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.kit.kafka.KafkaClientSettings;
import io.stackl.tasks.kit.problem.Problem;
import io.stackl.tasks.schema.SerdeWarmUp;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskPartitions;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Hands tasks and commands to Kafka. A send completes only when Kafka acknowledged it (acks=all): the gateway
 * answers 202 only for a task Kafka holds. If Kafka does not acknowledge it within {@code send-timeout} (broker down
 * or stalled, buffer full), the answer is 503 with Retry-After. The task may still have been written (a request in
 * flight to a stalled broker is not taken back), so a client retries with the same Idempotency-Key: if the first try
 * did land, the retry is answered with that task.
 */
@ApplicationScoped
public class TaskSubmitter {

    private static final Logger LOG = Logger.getLogger(TaskSubmitter.class);

    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<TaskRequest> requests;
    private final Serializer<TaskCommand> commands;
    /** Partitions of {@code task-requests}, once known (0 before): new task ids are aligned with them (ADR 0017). */
    private volatile int partitions;
    /** Kafka has acknowledged a task, so the producer holds the topic's metadata and can count without waiting. */
    private volatile boolean requestAcknowledged;

    TaskSubmitter(GatewayConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "tasks.schema-registry.url") String registryUrl) {
        Properties props = KafkaClientSettings.reliableProducer(bootstrapServers);
        long timeout = config.sendTimeout().toMillis();
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout + 1));
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.requests = Topics.TASK_REQUESTS.serializer(registryUrl);
        this.commands = Topics.TASK_COMMANDS.serializer(registryUrl);
    }

    /** At start-up, not on the first submission: find the schemas and start the registry client (SerdeWarmUp). */
    void warmUp(@Observes StartupEvent event) {
        SerdeWarmUp.warmWriter(TaskRequest.class, Topics.TASK_REQUESTS.name(), requests);
        SerdeWarmUp.warmWriter(TaskCommand.class, Topics.TASK_COMMANDS.name(), commands);
        try {
            partitions = producer.partitionsFor(Topics.TASK_REQUESTS.name()).size();
        } catch (RuntimeException e) {
            LOG.warnf("partitions of %s not known yet (%s); task ids are aligned with their keys once they are",
                    Topics.TASK_REQUESTS.name(), e.toString());
        }
    }

    /**
     * A new task id: random, and on the partition of the document keys it changes when they share one, so that the
     * broker can take its locks without a round trip (ADR 0017). A plain random id until the partition count is known.
     */
    public String newTaskId(List<String> changedDocumentKeys) {
        String id = UUID.randomUUID().toString();
        if (partitions == 0 && requestAcknowledged) {
            // Kafka acknowledged a task: the producer holds the topic's metadata, so this does not wait.
            try {
                partitions = producer.partitionsFor(Topics.TASK_REQUESTS.name()).size();
            } catch (RuntimeException e) {
                LOG.debugf("partitions of %s still not known: %s", Topics.TASK_REQUESTS.name(), e.toString());
            }
        }
        return partitions == 0 ? id : TaskPartitions.alignedWith(id, changedDocumentKeys, partitions);
    }

    public CompletionStage<Void> submit(TaskRequest request) {
        return send(Topics.TASK_REQUESTS.name(), request.getId(), request, requests)
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        requestAcknowledged = true;
                    }
                });
    }

    public CompletionStage<Void> command(TaskCommand command) {
        return send(Topics.TASK_COMMANDS.name(), command.getTaskId(), command, commands);
    }

    private <T extends SpecificRecord> CompletionStage<Void> send(String topic, String key, T value,
            Serializer<T> serializer) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, serializer.serialize(topic, value)), (metadata, error) -> {
                if (error == null) {
                    acknowledged.complete(null);
                } else {
                    acknowledged.completeExceptionally(Problem.unavailable(
                            "Kafka did not acknowledge the task in time: " + error.getMessage()
                                    + "; retry with the same Idempotency-Key"));
                }
            });
        } catch (RuntimeException e) {
            acknowledged.completeExceptionally(Problem.unavailable(
                    "Kafka cannot take tasks now: " + e.getMessage() + "; retry with the same Idempotency-Key"));
        }
        return acknowledged;
    }

    void onStop(@Observes ShutdownEvent event) {
        producer.close(Duration.ofSeconds(5));
    }
}

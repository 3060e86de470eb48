package io.stackl.tasks.schema;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * For Java programs that write tasks straight onto {@code task-requests} (Avro, Confluent wire format) rather than
 * through the gateway, and want to know how each ended: it sends a {@link TaskRequest} and completes a future with the
 * task's terminal {@link TaskEvent} from {@code task-events}.
 *
 * <pre>{@code
 * try (KafkaTaskProducer tasks = KafkaTaskProducer.create("127.0.0.1:9092",
 *         "http://127.0.0.1:8081/apis/registry/v3", "billing-service", Map.of())) {
 *     TaskEvent end = tasks.send(TaskRequest.newBuilder().setTopic("document").setSubtype("put")
 *             .setArgumentsJson("{\"key\": \"stacks/web\", \"value\": {\"replicas\": 3}}")
 *             .setChangedDocumentKeys(List.of("stacks/web")).setIdempotencyKey("deploy-42"))
 *         .get(30, TimeUnit.SECONDS);
 * }
 * }</pre>
 *
 * <p>It listens to every partition of {@code task-events} from the moment it is created (read_committed, no consumer
 * group), and registers a task's future before sending it, so no end goes unheard. The producer is idempotent with
 * {@code acks=all}; a send that fails throws, and is safe to repeat with the same idempotency key (the broker answers a
 * repeat with a REJECTED event naming the first task in {@code relatedTaskId}).
 */
public final class KafkaTaskProducer implements AutoCloseable {

    private final String source;
    private final KafkaProducer<String, TaskRequest> producer;
    private final KafkaConsumer<String, byte[]> events;
    private final Deserializer<TaskEvent> eventReader;
    private final Map<String, CompletableFuture<TaskEvent>> waiting = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Partitions of {@code task-requests}, once read (0 before). */
    private volatile int partitions;
    /** Why the listener stopped, if it stopped on its own: every later send fails with it rather than wait forever. */
    private volatile Throwable broken;
    private final Thread listener;

    private KafkaTaskProducer(String bootstrapServers, String registryUrl, String source, Map<String, Object> extra) {
        this.source = source;
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // TLS and SASL from the environment (KafkaSecurity); what the caller passes wins.
        KafkaSecurity.applyTo(producerConfig);
        producerConfig.putAll(extra);
        producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                AvroSerdes.serializer(TaskRequest.class, registryUrl));
        try {
            events = listening(bootstrapServers, extra);
        } catch (RuntimeException e) {
            producer.close(Duration.ofSeconds(5));
            throw e;
        }
        eventReader = AvroSerdes.deserializer(TaskEvent.class, registryUrl);
        listener = new Thread(this::listen, "stackl-task-events");
        listener.setDaemon(true);
        listener.start();
    }

    /**
     * A consumer of every partition of {@code task-events}, positioned at their ends before the first send: what
     * happens from now on is heard.
     */
    private static KafkaConsumer<String, byte[]> listening(String bootstrapServers, Map<String, Object> extra) {
        Properties consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaSecurity.applyTo(consumerConfig);
        consumerConfig.putAll(extra);
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo partition : consumer.partitionsFor(Topics.TASK_EVENTS.name(), Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(partition.topic(), partition.partition()));
            }
            if (partitions.isEmpty()) {
                throw new IllegalStateException(Topics.TASK_EVENTS.name() + " does not exist yet: start the task"
                        + " broker first (it creates the topics)");
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close(Duration.ofSeconds(5));
            throw e;
        }
    }

    /**
     * @param source who the tasks come from (the task's {@code source}; idempotency keys are scoped by it)
     * @param extraClientConfig more Kafka client settings for both the producer and the consumer (security, say)
     */
    public static KafkaTaskProducer create(String bootstrapServers, String registryUrl, String source,
            Map<String, Object> extraClientConfig) {
        return new KafkaTaskProducer(bootstrapServers, registryUrl, source, extraClientConfig);
    }

    /** A random id, on the partition of {@code keys} once the topic's partition count is known (ADR 0017). */
    private String alignedId(List<String> keys) {
        String id = UUID.randomUUID().toString();
        if (partitions == 0) {
            try {
                // Waits for the topic's metadata at most max.block.ms, as the send that follows would.
                partitions = producer.partitionsFor(Topics.TASK_REQUESTS.name()).size();
            } catch (RuntimeException e) {
                return id; // the send says why Kafka cannot be reached; an id that is not aligned only runs slower
            }
        }
        return TaskPartitions.alignedWith(id, keys, partitions);
    }

    /**
     * Sends the task (filling in an id, the source and the submission time where the builder has none), once Kafka has
     * acknowledged it. The future completes with its terminal event: SUCCEEDED, ROLLED_BACK, ROLLBACK_FAILED or
     * REJECTED.
     */
    public CompletableFuture<TaskEvent> send(TaskRequest.Builder request) {
        if (broken != null) {
            throw new IllegalStateException("task-events can no longer be read: " + broken, broken);
        }
        if (!request.hasId()) {
            // On the partition of the keys it changes, when they share one: the broker then takes its locks without a
            // round trip (ADR 0017). Any id works; this one is only faster.
            request.setId(alignedId(request.getChangedDocumentKeys()));
        }
        if (!request.hasSource()) {
            request.setSource(source);
        }
        if (!request.hasSubmittedAt()) {
            request.setSubmittedAt(Instant.now());
        }
        TaskRequest task = request.build();
        CompletableFuture<TaskEvent> end = new CompletableFuture<>();
        waiting.put(task.getId(), end);
        if (broken != null) {
            // The listener stopped between the check above and the registration: it will not complete this one.
            waiting.remove(task.getId());
            throw new IllegalStateException("task-events can no longer be read: " + broken, broken);
        }
        boolean sent = false;
        try {
            producer.send(new ProducerRecord<>(Topics.TASK_REQUESTS.name(), task.getId(), task)).get(30,
                    TimeUnit.SECONDS);
            sent = true;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("task " + task.getId() + " was not acknowledged by Kafka (send it again"
                    + " with the same idempotency key): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (!sent) {
                waiting.remove(task.getId());
            }
        }
        end.whenComplete((event, error) -> waiting.remove(task.getId()));
        return end;
    }

    private void listen() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : events.poll(Duration.ofMillis(200))) {
                    CompletableFuture<TaskEvent> end = record.key() == null ? null : waiting.get(record.key());
                    if (end == null) {
                        continue;
                    }
                    try {
                        TaskEvent event = eventReader.deserialize(record.topic(), record.value());
                        if (TaskStates.isTerminal(event.getState())) {
                            end.complete(event);
                        }
                    } catch (RuntimeException undecodable) {
                        // Another writer's bad record on task-events: not this task's end; keep listening.
                    }
                }
            }
        } catch (WakeupException closing) {
            // close() below.
        } catch (Throwable e) {
            // Whatever stopped the listener, no waiting task's end can be heard any more: say so, now and to later sends.
            broken = e;
            waiting.values().forEach(end -> end.completeExceptionally(
                    new IllegalStateException("task-events can no longer be read: " + e, e)));
        } finally {
            events.close();
        }
    }

    @Override
    public void close() {
        running.set(false);
        events.wakeup();
        try {
            listener.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        waiting.values().forEach(end -> end.completeExceptionally(new IllegalStateException("closed")));
    }
}

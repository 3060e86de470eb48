package io.stackl.tasks.gateway.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.kit.kafka.KafkaClientMeters;
import io.stackl.tasks.schema.KafkaSecurity;
import io.stackl.tasks.schema.SerdeWarmUp;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every gateway instance reads all of {@code task-events} from the end (its own group) and hands each event to the
 * listeners of its task: waiting submissions and SSE streams. Listeners live in memory only; nothing blocks a thread
 * while it waits.
 */
@ApplicationScoped
public class TaskEventHub {

    private static final Logger LOG = Logger.getLogger(TaskEventHub.class);

    private final Map<String, Set<Consumer<TaskEvent>>> listeners = new ConcurrentHashMap<>();
    /** Listeners of every task's events ({@code GET /events}); decoding each event is paid only while one is open. */
    private final Set<Consumer<TaskEvent>> everyTask = new CopyOnWriteArraySet<>();
    private final String bootstrapServers;
    private final String registryUrl;
    private final AtomicBoolean running = new AtomicBoolean();
    private final CountDownLatch assigned = new CountDownLatch(1);
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final MeterRegistry meters;
    private Thread loop;

    TaskEventHub(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "tasks.schema-registry.url") String registryUrl, MeterRegistry meters) {
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.meters = meters;
    }

    /** Listens to the events of one task until the returned handle is closed. */
    public AutoCloseable listen(String taskId, Consumer<TaskEvent> listener) {
        listeners.computeIfAbsent(taskId, id -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> listeners.computeIfPresent(taskId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    /** Listens to the events of every task until the returned handle is closed. */
    public AutoCloseable listenToAll(Consumer<TaskEvent> listener) {
        everyTask.add(listener);
        return () -> everyTask.remove(listener);
    }

    /** Open listeners (waits and streams), for the metrics. */
    public int open() {
        return listeners.values().stream().mapToInt(Set::size).sum() + everyTask.size();
    }

    /** Whether the hub reads events yet (its partitions are assigned). */
    public boolean ready() {
        return assigned.getCount() == 0;
    }

    void onStart(@Observes StartupEvent event) {
        running.set(true);
        loop = new Thread(this::run, "task-event-hub");
        loop.setDaemon(true);
        loop.start();
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running.set(false);
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (loop != null) {
            loop.join(5_000);
        }
    }

    /** Waits (at start-up only) until the hub reads, so that no event of a task submitted now can be missed. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "api-gateway-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaSecurity.applyTo(props);
        try (KafkaConsumer<String, byte[]> kafka =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                // Lag and fetch figures of this consumer (kafka_consumer_*): how far behind the events waits are.
                KafkaClientMeters kafkaMeters = KafkaClientMeters.bind(meters, kafka);
                Deserializer<TaskEvent> events = Topics.TASK_EVENTS.deserializer(registryUrl)) {
            consumer = kafka;
            // Before the hub reads (and so before the gateway is ready): the first event need not wait for the registry.
            SerdeWarmUp.warmReader(TaskEvent.class, Topics.TASK_EVENTS.name(), events, registryUrl);
            kafka.subscribe(List.of(Topics.TASK_EVENTS.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                    partitions.forEach(kafka::position);
                    assigned.countDown();
                }
            });
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(200))) {
                    Set<Consumer<TaskEvent>> waiting = listeners.get(record.key());
                    if (waiting == null && everyTask.isEmpty()) {
                        continue;
                    }
                    try {
                        TaskEvent event = events.deserialize(record.topic(), record.value());
                        if (waiting != null) {
                            waiting.forEach(listener -> listener.accept(event));
                        }
                        everyTask.forEach(listener -> listener.accept(event));
                    } catch (SerializationException e) {
                        LOG.warnf("undecodable task event skipped at %s-%d@%d: %s", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException stopping) {
            // Shutdown.
        } catch (RuntimeException e) {
            LOG.error("task event hub stopped", e);
        }
    }
}

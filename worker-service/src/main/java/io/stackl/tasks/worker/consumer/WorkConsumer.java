package io.stackl.tasks.worker.consumer;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TopicAdmin;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.worker.config.WorkerConfig;
import io.stackl.tasks.worker.handler.HandlerRegistry;
import io.stackl.tasks.worker.manager.TaskManager;
import io.stackl.tasks.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The seed's Worker: takes work items from the work topics (one consumer group shared by every replica), hands each
 * to the {@link TaskManager} on a bounded pool, and publishes the results. A handler still running at its deadline is
 * interrupted and no result is sent (the broker has timed the task out). Offsets are committed only after the
 * batch's results were acknowledged, so a crash mid-task redelivers the item (or the task times out); the broker
 * accepts at most one result per attempt and token.
 */
@ApplicationScoped
public class WorkConsumer {

    private static final Logger LOG = Logger.getLogger(WorkConsumer.class);

    private final WorkerConfig config;
    private final HandlerRegistry handlers;
    private final TaskManager manager;
    private final WorkerMetrics metrics;
    private final String bootstrapServers;
    private final String registryUrl;
    private final AtomicBoolean running = new AtomicBoolean();
    private ExecutorService pool;
    private Thread loop;
    private volatile KafkaConsumer<String, byte[]> consumer;

    WorkConsumer(WorkerConfig config, HandlerRegistry handlers, TaskManager manager, WorkerMetrics metrics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "tasks.schema-registry.url") String registryUrl) {
        this.config = config;
        this.handlers = handlers;
        this.manager = manager;
        this.metrics = metrics;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
    }

    /** The task topics this worker serves: the configured ones, else every topic a handler serves. */
    private Set<String> servedTopics() {
        return config.topics().orElse(handlers.topics());
    }

    /** The work topics this worker reads. */
    public List<String> workTopics() {
        return servedTopics().stream().sorted().map(Topics::workTopic).toList();
    }

    void onStart(@Observes StartupEvent event) {
        List<String> topics = workTopics();
        metrics.serving(servedTopics());
        if (config.provisionTopics()) {
            List<String> all = new ArrayList<>(topics);
            all.add(Topics.TASK_RESULTS.name());
            all.add(Topics.TASK_DEAD_LETTERS);
            TopicAdmin.ensure(bootstrapServers, all, config.partitions(), config.replicationFactor());
        }
        running.set(true);
        pool = Executors.newFixedThreadPool(config.maxParallel(), r -> {
            Thread t = new Thread(r, "task-handler");
            t.setDaemon(true);
            return t;
        });
        loop = new Thread(() -> run(topics), "work-consumer");
        loop.start();
        LOG.infof("worker started topics=%s group=%s parallel=%d", topics, config.group(), config.maxParallel());
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running.set(false);
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (loop != null) {
            loop.join(config.shutdownGrace().toMillis() + 5_000);
        }
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private void run(List<String> topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxParallel()));
        // A crashed replica's partitions move to the others after this long.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(config.sessionTimeout().toMillis()));
        // A batch runs until its longest deadline; the group must not evict the replica meanwhile.
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(config.maxPollInterval().toMillis()));
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        try (KafkaConsumer<String, byte[]> kafka =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
                Deserializer<WorkItem> items = AvroSerdes.deserializer(WorkItem.class, registryUrl);
                Serializer<TaskResult> results = AvroSerdes.serializer(TaskResult.class, registryUrl)) {
            consumer = kafka;
            kafka.subscribe(topics);
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = kafka.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    List<Future<RecordMetadata>> sent = new ArrayList<>();
                    for (Running item : start(records, items, producer, sent)) {
                        TaskResult result = await(item);
                        if (result == null) {
                            continue;
                        }
                        byte[] value;
                        try {
                            value = results.serialize(Topics.TASK_RESULTS.name(), result);
                        } catch (SerializationException e) {
                            // A result that cannot be written is this item's problem, not the partition's: the
                            // broker times the task out and rolls it back.
                            LOG.errorf(e, "the result of taskId=%s cannot be serialized; dropped", result.getTaskId());
                            continue;
                        }
                        sent.add(producer.send(new ProducerRecord<>(Topics.TASK_RESULTS.name(), result.getTaskId(),
                                value)));
                    }
                    producer.flush();
                    for (Future<RecordMetadata> future : sent) {
                        future.get();
                    }
                    kafka.commitSync();
                } catch (CommitFailedException | RebalanceInProgressException e) {
                    // The partitions moved while the batch ran: its results are out, and the new owner gets the
                    // items again; the broker counts one result per attempt and token.
                    LOG.warnf("offsets not committed after a rebalance: %s", e.getMessage());
                } catch (ExecutionException | KafkaException e) {
                    // Results could not be sent: take the batch again from the last committed offsets.
                    LOG.errorf(e, "results of a batch of %d could not be sent; retrying it", records.count());
                    rewind(kafka);
                    Thread.sleep(1_000);
                }
            }
        } catch (WakeupException stopping) {
            LOG.info("worker stopping");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("worker loop stopped", e);
        }
    }

    private static void rewind(KafkaConsumer<String, byte[]> consumer) {
        var assigned = consumer.assignment();
        var committed = consumer.committed(assigned);
        var beginnings = consumer.beginningOffsets(assigned);
        for (var partition : assigned) {
            var offset = committed.get(partition);
            consumer.seek(partition, offset == null ? beginnings.get(partition) : offset.offset());
        }
    }

    private record Running(WorkItem item, Future<TaskResult> result) {}

    private List<Running> start(ConsumerRecords<String, byte[]> records, Deserializer<WorkItem> items,
            KafkaProducer<String, byte[]> producer, List<Future<RecordMetadata>> sent) {
        List<Running> running = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            WorkItem item;
            try {
                item = items.deserialize(record.topic(), record.value());
                if (item == null) {
                    throw new SerializationException("empty work item");
                }
            } catch (SerializationException | AvroRuntimeException e) {
                RecordHeaders headers = new RecordHeaders(record.headers().toArray());
                DeadLetters.describe(headers, record.topic(), record.partition(), record.offset(), e, "worker-service");
                sent.add(producer.send(new ProducerRecord<>(Topics.TASK_DEAD_LETTERS, null, record.key(),
                        record.value(), headers)));
                continue;
            }
            metrics.received(item.getDispatchedAt(), Instant.now());
            if (!item.getDeadline().isAfter(Instant.now())) {
                // Already past its deadline (a backlog, or redelivered after a crash): the broker has timed it out.
                metrics.deadlineExceeded(item.getTopic());
                continue;
            }
            metrics.started();
            running.add(new Running(item, pool.submit(() -> {
                try {
                    return manager.run(item);
                } finally {
                    metrics.finished();
                }
            })));
        }
        return running;
    }

    /** The result, or null when the handler is still running at the deadline (then it is interrupted). */
    private TaskResult await(Running running) throws InterruptedException {
        long left = Duration.between(Instant.now(), running.item().getDeadline()).toMillis();
        if (!this.running.get()) {
            left = Math.min(left, config.shutdownGrace().toMillis());
        }
        try {
            TaskResult result = running.result().get(Math.max(0, left), TimeUnit.MILLISECONDS);
            return Instant.now().isAfter(running.item().getDeadline()) ? null : result;
        } catch (TimeoutException e) {
            running.result().cancel(true);
            metrics.deadlineExceeded(running.item().getTopic());
            LOG.infof("handler stopped at its deadline taskId=%s topic=%s", running.item().getTaskId(),
                    running.item().getTopic());
            return null;
        } catch (ExecutionException e) {
            LOG.errorf(e, "manager failed taskId=%s", running.item().getTaskId());
            return null;
        }
    }
}

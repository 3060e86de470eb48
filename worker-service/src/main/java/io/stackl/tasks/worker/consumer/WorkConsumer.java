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
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.consumer.CommitFailedException;
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
 * The seed's Worker: takes work items from the work topics (one consumer group shared by every replica) while a slot
 * of its bounded pool is free, hands each to the {@link TaskManager}, and publishes each result as soon as its
 * handler returns: a slow item holds one slot and delays nobody else. A handler still running at its deadline is
 * interrupted and no result is sent (the broker has timed the task out). A partition's offset is committed only up to
 * its oldest item whose result is not yet acknowledged ({@link InFlight}), so a crash redelivers every item that had
 * not finished (and perhaps some that had); the broker accepts at most one result per attempt and token.
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
    /** How long a poll waits for records while slots are free, and while all are taken (then it only waits). */
    private static final long POLL_MS = 100;
    private static final long PAUSED_POLL_MS = 5;

    private ExecutorService pool;
    /** Set when the service stops: what still runs then is given up. */
    private volatile Instant stopBy;
    /** Stops each handler still running at its deadline. */
    private final ScheduledThreadPoolExecutor deadlines = deadlineWatch();
    private Thread loop;

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

    private static ScheduledThreadPoolExecutor deadlineWatch() {
        ScheduledThreadPoolExecutor watch = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "deadline-watch");
            t.setDaemon(true);
            return t;
        });
        // Most items end long before their deadline: their watch is cancelled and must not stay queued until then.
        watch.setRemoveOnCancelPolicy(true);
        return watch;
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
        // The loop sees this within a poll, stops taking work, and gives what runs the shutdown grace.
        stopBy = Instant.now().plus(config.shutdownGrace());
        running.set(false);
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
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(config.maxPollInterval().toMillis()));
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        InFlight inFlight = new InFlight();
        try (KafkaConsumer<String, byte[]> kafka =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
                Deserializer<WorkItem> items = AvroSerdes.deserializer(WorkItem.class, registryUrl);
                Serializer<TaskResult> results = AvroSerdes.serializer(TaskResult.class, registryUrl)) {
            kafka.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // The items of these partitions run to their end (at the latest their deadline) and are committed
                    // before the partitions go: the new owner must not run them a second time. The rebalance waits
                    // for that, as it waits for any member that has not come back to poll.
                    while (inFlight.unfinished(partitions) > 0 && !pastShutdownGrace()) {
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                    commit(kafka, inFlight, true);
                    inFlight.forget(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    inFlight.forget(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
            });
            while (true) {
                if (!running.get()) {
                    // Stopping: take nothing new; in-flight work gets the grace, then is stopped unacknowledged.
                    if (inFlight.unfinished() == 0 || pastShutdownGrace()) {
                        commit(kafka, inFlight, true);
                        break;
                    }
                }
                // Take new items only while a slot is free; polling goes on meanwhile (the group sees this replica
                // alive, and finished items are committed), so a slow item holds its slot and nothing else.
                boolean taking = running.get() && inFlight.unfinished() < config.maxParallel();
                if (taking) {
                    kafka.resume(kafka.paused());
                } else {
                    kafka.pause(kafka.assignment());
                }
                ConsumerRecords<String, byte[]> records = kafka.poll(Duration.ofMillis(taking ? POLL_MS : PAUSED_POLL_MS));
                int free = config.maxParallel() - inFlight.unfinished();
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                        if (free <= 0) {
                            // More than the free slots came back: the rest is read again once a slot is free.
                            kafka.seek(partition, record.offset());
                            break;
                        }
                        start(record, inFlight.add(partition, record.offset()), items, results, producer);
                        free--;
                    }
                }
                commit(kafka, inFlight, false);
                Map<TopicPartition, Long> rewind = inFlight.takeFailed();
                if (!rewind.isEmpty()) {
                    // A result could not be sent: take those records again from the oldest one not committed.
                    LOG.errorf("results could not be sent; taking the records again from %s", rewind);
                    rewind.forEach(kafka::seek);
                    Thread.sleep(1_000);
                }
            }
        } catch (WakeupException stopping) {
            LOG.info("worker stopping");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("worker loop stopped", e);
        } finally {
            deadlines.shutdownNow();
        }
    }

    private boolean pastShutdownGrace() {
        Instant by = stopBy;
        return by != null && Instant.now().isAfter(by);
    }

    /** Commits each partition up to its oldest unfinished record; asynchronously on the way, synchronously at the end. */
    private static void commit(KafkaConsumer<String, byte[]> kafka, InFlight inFlight, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = inFlight.advance();
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            try {
                kafka.commitSync(offsets);
            } catch (CommitFailedException | RebalanceInProgressException e) {
                LOG.warnf("offsets not committed after a rebalance: %s", e.getMessage());
            }
        } else {
            // A failed commit is covered by the next one; until then a crash only redelivers finished items.
            kafka.commitAsync(offsets, (committed, e) -> {
                if (e != null) {
                    LOG.debugf("offsets not committed: %s", e.getMessage());
                }
            });
        }
    }

    /**
     * Starts one record's work on the pool. Its result is sent as soon as the handler returns, from the handler's
     * thread, whatever its neighbours are doing; at its deadline a handler still running is interrupted and nothing
     * is sent (the broker has timed the task out).
     */
    private void start(ConsumerRecord<String, byte[]> record, InFlight.Entry entry, Deserializer<WorkItem> items,
            Serializer<TaskResult> results, KafkaProducer<String, byte[]> producer) {
        WorkItem item;
        try {
            item = items.deserialize(record.topic(), record.value());
            if (item == null) {
                throw new SerializationException("empty work item");
            }
        } catch (SerializationException | AvroRuntimeException e) {
            RecordHeaders headers = new RecordHeaders(record.headers().toArray());
            DeadLetters.describe(headers, record.topic(), record.partition(), record.offset(), e, "worker-service");
            entry.startSending();
            send(producer, new ProducerRecord<>(Topics.TASK_DEAD_LETTERS, null, record.key(), record.value(), headers),
                    entry);
            return;
        }
        metrics.received(item.getDispatchedAt(), Instant.now());
        if (!item.getDeadline().isAfter(Instant.now())) {
            // Already past its deadline (a backlog, or redelivered after a crash): the broker has timed it out.
            metrics.deadlineExceeded(item.getTopic());
            entry.expire();
            return;
        }
        String taskId = item.getTaskId();
        String topic = item.getTopic();
        AtomicReference<Future<?>> work = new AtomicReference<>();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            if (entry.expire()) {
                Future<?> running = work.get();
                if (running != null) {
                    running.cancel(true);
                }
                metrics.deadlineExceeded(topic);
                LOG.infof("handler stopped at its deadline taskId=%s topic=%s", taskId, topic);
            }
        }, Math.max(0, Duration.between(Instant.now(), item.getDeadline()).toMillis()), TimeUnit.MILLISECONDS);
        work.set(pool.submit(() -> {
            metrics.started();
            TaskResult result = null;
            try {
                result = manager.run(item);
            } catch (RuntimeException e) {
                LOG.errorf(e, "manager failed taskId=%s", taskId);
            } finally {
                metrics.finished();
            }
            if (result == null || !Instant.now().isBefore(item.getDeadline())) {
                // Nothing to send (a second run of an attempt), or too late to send it.
                deadline.cancel(false);
                entry.done();
                return;
            }
            if (!entry.startSending()) {
                return; // the deadline came first
            }
            deadline.cancel(false);
            byte[] value;
            try {
                synchronized (results) {
                    value = results.serialize(Topics.TASK_RESULTS.name(), result);
                }
            } catch (SerializationException e) {
                // A result that cannot be written is this item's problem, not the partition's: the broker times the
                // task out and rolls it back.
                LOG.errorf(e, "the result of taskId=%s cannot be serialized; dropped", taskId);
                entry.done();
                return;
            }
            send(producer, new ProducerRecord<>(Topics.TASK_RESULTS.name(), taskId, value), entry);
        }));
    }

    private static void send(KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]> record,
            InFlight.Entry entry) {
        try {
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    entry.done();
                } else {
                    LOG.errorf(e, "could not send to %s", record.topic());
                    entry.failed();
                }
            });
        } catch (RuntimeException e) {
            // KafkaException, or the producer closed under a handler that finished during shutdown.
            LOG.errorf(e, "could not send to %s", record.topic());
            entry.failed();
        }
    }
}

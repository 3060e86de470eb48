package io.stackl.tasks.worker.consumer;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.kit.kafka.KafkaClientSettings;
import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.SerdeWarmUp;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TopicAdmin;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.worker.config.WorkerConfig;
import io.stackl.tasks.worker.handler.HandlerRegistry;
import io.stackl.tasks.worker.manager.TaskManager;
import io.stackl.tasks.kit.kafka.KafkaClientMeters;
import io.stackl.tasks.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
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
    /** Set at the first assignment of the group (empty or not): from then on the worker takes its share of items. */
    private final AtomicBoolean joined = new AtomicBoolean();
    /** Set when the loop ended while the service was still running: this worker takes no more work. */
    private volatile boolean loopDied;
    /** How long a poll waits for records while slots are free, and while all are taken (then it only waits). */
    private static final long POLL_MS = 100;
    private static final long PAUSED_POLL_MS = 5;
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);
    /** Records of one partition held uncommitted behind a slow one before the partition is paused. */
    private static final int MAX_UNCOMMITTED_PER_PARTITION = 1_000;

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

    /**
     * Whether the work consumer has joined its group: the first assignment came (perhaps empty, when there are more
     * replicas than partitions). Before that a work item waits for the group to form, so a worker that reported ready
     * at once made the first task after a start wait ~0.6 s longer than the next.
     */
    public boolean joinedGroup() {
        return joined.get();
    }

    /** Whether the work loop has ended although the service was not stopping (an error it could not get past). */
    public boolean loopDied() {
        return loopDied;
    }

    /** The work topics this worker reads. */
    public List<String> workTopics() {
        return servedTopics().stream().sorted().map(Topics::workTopic).toList();
    }

    void onStart(@Observes StartupEvent event) {
        List<String> topics = workTopics();
        metrics.serving(servedTopics(), config.maxParallel());
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
        Properties props = KafkaClientSettings.committedReader(bootstrapServers, config.group());
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxParallel()));
        // A crashed replica's partitions move to the others after this long.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(config.sessionTimeout().toMillis()));
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(config.maxPollInterval().toMillis()));
        // A rebalance takes away only the partitions that move, so the others' items run on undisturbed. The
        // default list (range, then cooperative-sticky) that earlier versions ran with lets one rolling restart
        // switch a fleet over.
        props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        InFlight inFlight = new InFlight();
        try (KafkaConsumer<String, byte[]> kafka =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<String, byte[]> producer =
                        new KafkaProducer<>(KafkaClientSettings.reliableProducer(bootstrapServers), new StringSerializer(), new ByteArraySerializer());
                KafkaClientMeters consumerMeters = KafkaClientMeters.bind(metrics.registry(), kafka);
                KafkaClientMeters producerMeters = KafkaClientMeters.bind(metrics.registry(), producer);
                Deserializer<WorkItem> items = AvroSerdes.deserializer(WorkItem.class, registryUrl);
                Serializer<TaskResult> results = Topics.TASK_RESULTS.serializer(registryUrl)) {
            // Before the first poll: the first item need not wait for the registry (SerdeWarmUp).
            if (!topics.isEmpty()) {
                SerdeWarmUp.warmReader(WorkItem.class, topics.get(0), items, registryUrl);
            }
            SerdeWarmUp.warmWriter(TaskResult.class, Topics.TASK_RESULTS.name(), results);
            kafka.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // Give the items of these partitions a moment to finish, so that they are committed before the
                    // partitions go and the new owner does not run them again. Only a moment: the whole group waits
                    // meanwhile. What still runs then finishes here and sends its result; the new owner may run it
                    // again (the broker counts one result per attempt, the history service lets one run write).
                    Instant until = Instant.now().plus(config.rebalanceGrace());
                    while (inFlight.unfinished(partitions) > 0 && Instant.now().isBefore(until)
                            && !pastShutdownGrace()) {
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                    commitSync(kafka, inFlight, partitions);
                    inFlight.forget(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    inFlight.forget(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // Called after every rebalance, also with nothing assigned.
                    joined.set(true);
                }
            });
            while (true) {
                if (!running.get()) {
                    // Stopping: take nothing new; in-flight work gets the grace, then is stopped unacknowledged.
                    if (inFlight.unfinished() == 0 || pastShutdownGrace()) {
                        commitSync(kafka, inFlight, kafka.assignment());
                        break;
                    }
                }
                int free = running.get() ? config.maxParallel() - Math.max(inFlight.unfinished(), busyThreads()) : 0;
                pauseWhereFull(kafka, inFlight, free);
                ConsumerRecords<String, byte[]> records = kafka.poll(Duration.ofMillis(free > 0 ? POLL_MS : PAUSED_POLL_MS));
                boolean backOff = false;
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                        if (free <= 0) {
                            // More than the free slots came back: the rest is read again once a slot is free.
                            kafka.seek(partition, record.offset());
                            break;
                        }
                        if (!take(record, inFlight, items, results, producer)) {
                            kafka.seek(partition, record.offset());
                            backOff = true;
                            break;
                        }
                        free--;
                    }
                }
                resendFailed(producer, inFlight);
                commitAsync(kafka, inFlight);
                if (backOff) {
                    Thread.sleep(1_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("worker loop stopped", e);
        } finally {
            loopDied = running.get();
            deadlines.shutdownNow();
        }
    }

    /** Pool threads busy or queued: an item stopped at its deadline may hold its thread a while longer. */
    private int busyThreads() {
        ThreadPoolExecutor executor = (ThreadPoolExecutor) pool;
        return executor.getActiveCount() + executor.getQueue().size();
    }

    /**
     * Pauses every partition while no slot is free, and otherwise only those with more records waiting to be
     * committed than {@link #MAX_UNCOMMITTED_PER_PARTITION}: fast items finishing behind a slow one are kept until the
     * slow one ends, and without a bound they would pile up in memory (and a crash would redeliver them all).
     */
    private static void pauseWhereFull(KafkaConsumer<String, byte[]> kafka, InFlight inFlight, int free) {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition partition : kafka.assignment()) {
            (free <= 0 || inFlight.tracked(partition) >= MAX_UNCOMMITTED_PER_PARTITION ? pause : resume).add(partition);
        }
        kafka.pause(pause);
        kafka.resume(resume);
    }

    private boolean pastShutdownGrace() {
        Instant by = stopBy;
        return by != null && Instant.now().isAfter(by);
    }

    /** Commits each partition that advanced up to its oldest unfinished record; a failure is covered by a later one. */
    private static void commitAsync(KafkaConsumer<String, byte[]> kafka, InFlight inFlight) {
        Map<TopicPartition, OffsetAndMetadata> offsets = inFlight.advance();
        if (!offsets.isEmpty()) {
            kafka.commitAsync(offsets, (committed, e) -> {
                if (e != null) {
                    LOG.debugf("offsets not committed: %s", e.getMessage());
                }
            });
        }
    }

    /** Before partitions go, or at the end: every committable offset, also one whose asynchronous commit failed. */
    private static void commitSync(KafkaConsumer<String, byte[]> kafka, InFlight inFlight,
            Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = inFlight.committable(partitions);
        if (offsets.isEmpty()) {
            return;
        }
        try {
            // Bounded: at shutdown Kafka may be gone already, and the rebalance waits for this callback.
            kafka.commitSync(offsets, COMMIT_TIMEOUT);
        } catch (KafkaException e) {
            // The new owner, or this replica after a restart, runs these items again; nothing is lost.
            LOG.warnf("offsets not committed: %s", e.getMessage());
        }
    }

    /** Results and dead letters whose send failed are sent again (the work is not run again), while it is of use. */
    private static void resendFailed(KafkaProducer<String, byte[]> producer, InFlight inFlight) {
        for (InFlight.Entry entry : inFlight.takeFailedSends()) {
            if (entry.sendBy() != null && Instant.now().isAfter(entry.sendBy())) {
                // The broker has timed the task out; its result would not count.
                entry.done();
            } else {
                send(producer, entry.output(), entry);
            }
        }
    }

    /**
     * Takes one record: a work item starts on the pool, a record that is not a work item is dead-lettered. False
     * when it cannot be read now (the schema registry does not answer): the caller reads it again after a pause.
     */
    private boolean take(ConsumerRecord<String, byte[]> record, InFlight inFlight, Deserializer<WorkItem> items,
            Serializer<TaskResult> results, KafkaProducer<String, byte[]> producer) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        WorkItem item;
        try {
            item = items.deserialize(record.topic(), record.value());
            if (item == null) {
                throw new SerializationException("empty work item");
            }
        } catch (SerializationException | AvroRuntimeException e) {
            ProducerRecord<String, byte[]> deadLetter = DeadLetters.record(record, e, "worker-service");
            InFlight.Entry entry = inFlight.add(partition, record.offset());
            entry.startSending(deadLetter, null);
            send(producer, deadLetter, entry);
            return true;
        } catch (KafkaException e) {
            // Not tracked: nothing may be committed past it before it has been read and run.
            LOG.warnf("a work item cannot be read now (%s); reading it again in a second", e.getMessage());
            return false;
        }
        InFlight.Entry entry = inFlight.add(partition, record.offset());
        metrics.received(item.getDispatchedAt(), Instant.now());
        if (!item.getDeadline().isAfter(Instant.now())) {
            // Already past its deadline (a backlog, or redelivered after a crash): the broker has timed it out.
            metrics.deadlineExceeded(item.getTopic());
            entry.expire();
            return true;
        }
        start(item, entry, results, producer);
        return true;
    }

    /**
     * Runs one work item on the pool. Its result is sent as soon as the handler returns, from the handler's thread,
     * whatever its neighbours are doing; at its deadline a handler still running is interrupted and nothing is sent
     * (the broker has timed the task out).
     */
    private void start(WorkItem item, InFlight.Entry entry, Serializer<TaskResult> results,
            KafkaProducer<String, byte[]> producer) {
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
            if (entry.state() != InFlight.State.RUNNING) {
                return; // its deadline passed before a thread was free
            }
            try {
                ProducerRecord<String, byte[]> output = output(item, results);
                if (output == null || !Instant.now().isBefore(item.getDeadline())) {
                    entry.done(); // nothing to send (a second run of an attempt), or too late to send it
                } else if (entry.startSending(output, item.getDeadline())) {
                    send(producer, output, entry);
                }
            } catch (InterruptedException e) {
                // Stopped at its deadline (the entry has expired), or the service is stopping: then it stays
                // unfinished and uncommitted, and runs again elsewhere.
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                // Not even a failure result could be made (the handler threw an Error past the task manager): the
                // slot is freed, and the broker times the task out.
                LOG.errorf(e, "work item taskId=%s failed outside its handler", taskId);
                entry.done();
            } finally {
                deadline.cancel(false);
            }
        }));
    }

    /** Runs the handler and writes its result as a record; null when there is nothing to send. */
    private ProducerRecord<String, byte[]> output(WorkItem item, Serializer<TaskResult> results)
            throws InterruptedException {
        TaskResult result;
        metrics.started();
        try {
            result = manager.run(item);
        } catch (RuntimeException e) {
            LOG.errorf(e, "manager failed taskId=%s", item.getTaskId());
            return null;
        } finally {
            metrics.finished();
        }
        if (result == null) {
            return null;
        }
        while (true) {
            try {
                byte[] value;
                synchronized (results) {
                    value = results.serialize(Topics.TASK_RESULTS.name(), result);
                }
                return new ProducerRecord<>(Topics.TASK_RESULTS.name(), result.getTaskId(), value);
            } catch (SerializationException e) {
                // A result that cannot be written is this item's problem, not the partition's: the broker times the
                // task out and rolls it back.
                LOG.errorf(e, "the result of taskId=%s cannot be serialized; dropped", result.getTaskId());
                return null;
            } catch (RuntimeException e) {
                // The schema registry does not answer: try again while the result can still count.
                if (!Instant.now().plusMillis(200).isBefore(item.getDeadline())) {
                    LOG.errorf(e, "the result of taskId=%s could not be written before its deadline", result.getTaskId());
                    return null;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]> record,
            InFlight.Entry entry) {
        try {
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    entry.done();
                } else {
                    failedSend(record, entry, e);
                }
            });
        } catch (RuntimeException e) {
            // KafkaException, or the producer closed under a handler that finished during shutdown.
            failedSend(record, entry, e);
        }
    }

    /** A send that may succeed later is tried again; one that never can (too large, not authorised) is given up. */
    private static void failedSend(ProducerRecord<String, byte[]> record, InFlight.Entry entry, Exception e) {
        if (e instanceof RetriableException || e instanceof IllegalStateException) {
            LOG.warnf("could not send to %s, trying again: %s", record.topic(), e.getMessage());
            entry.sendFailed();
        } else {
            LOG.errorf(e, "could not send to %s; given up (the broker times the task out)", record.topic());
            entry.done();
        }
    }
}

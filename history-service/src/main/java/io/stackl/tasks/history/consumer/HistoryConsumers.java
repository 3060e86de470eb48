package io.stackl.tasks.history.consumer;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.history.config.HistoryConfig;
import io.stackl.tasks.kit.kafka.KafkaClientMeters;
import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.history.service.HistoryRecorder;
import io.stackl.tasks.history.service.RollbackService;
import io.stackl.tasks.kit.kafka.KafkaClientSettings;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.SerdeWarmUp;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TopicAdmin;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Two consumer loops. The recorder stores task events and results in batches (one database transaction per poll)
 * and ends rollbacks whose compensation the workers reported. The rollback loop carries out rollback commands.
 * Offsets are committed only after the database committed and every record they caused was acknowledged; a failure
 * rewinds to the last committed offset and tries again. A record that cannot be decoded, or that the database refuses
 * for its content ({@link ContentErrors}), goes to the dead-letter topic and the loop goes on: only the database or
 * Kafka being unavailable makes it wait.
 */
@ApplicationScoped
public class HistoryConsumers {

    private static final Logger LOG = Logger.getLogger(HistoryConsumers.class);
    /** The two loops, by the names of their threads. */
    private static final String RECORDER = "history-recorder";
    private static final String ROLLBACK_LOOP = "history-rollbacks";

    private final HistoryConfig config;
    private final HistoryRecorder recorder;
    private final RollbackService rollbacks;
    private final HistoryMetrics metrics;
    private final String bootstrapServers;
    private final String registryUrl;
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final List<KafkaConsumer<?, ?>> consumers = new ArrayList<>();
    /** The loops whose consumer has not joined its group yet (its first assignment, perhaps empty, has not come). */
    private final Set<String> joining = ConcurrentHashMap.newKeySet();
    /** The loops that ended on an error they could not get past while the service was running. */
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();
    /** Created once: each keeps its own cache of schemas by id, so the registry is asked once per schema. */
    private Deserializer<TaskEvent> eventReader;
    private Deserializer<TaskResult> resultReader;
    private Deserializer<RollbackCommand> rollbackReader;

    HistoryConsumers(HistoryConfig config, HistoryRecorder recorder, RollbackService rollbacks, HistoryMetrics metrics,
            @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "tasks.schema-registry.url") String registryUrl) {
        this.config = config;
        this.recorder = recorder;
        this.rollbacks = rollbacks;
        this.metrics = metrics;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        if (config.consumersEnabled()) {
            // From the start, so that the readiness check never sees a loop not yet started as joined.
            joining.addAll(List.of(RECORDER, ROLLBACK_LOOP));
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (config.provisionTopics()) {
            List<String> topics = new ArrayList<>(Topics.fixedTopicNames());
            config.taskTopics().stream().map(Topics::workTopic).forEach(topics::add);
            List<String> created = TopicAdmin.ensure(bootstrapServers, topics, config.partitions(),
                    config.replicationFactor());
            if (!created.isEmpty()) {
                LOG.infof("topics created: %s", created);
            }
        }
        if (!config.consumersEnabled()) {
            return;
        }
        running.set(true);
        eventReader = Topics.TASK_EVENTS.deserializer(registryUrl);
        resultReader = Topics.TASK_RESULTS.deserializer(registryUrl);
        rollbackReader = Topics.TASK_ROLLBACKS.deserializer(registryUrl);
        // Before the loops read: a task's first events and result need not wait for the registry (SerdeWarmUp).
        SerdeWarmUp.warmReader(TaskEvent.class, Topics.TASK_EVENTS.name(), eventReader, registryUrl);
        SerdeWarmUp.warmReader(TaskResult.class, Topics.TASK_RESULTS.name(), resultReader, registryUrl);
        SerdeWarmUp.warmReader(RollbackCommand.class, Topics.TASK_ROLLBACKS.name(), rollbackReader, registryUrl);
        start(RECORDER, config.consumerGroup(),
                List.of(Topics.TASK_EVENTS.name(), Topics.TASK_RESULTS.name()), this::record);
        start(ROLLBACK_LOOP, config.consumerGroup() + "-rollbacks", List.of(Topics.TASK_ROLLBACKS.name()),
                this::rollback);
    }

    void onStop(@Observes ShutdownEvent event) {
        running.set(false);
        synchronized (consumers) {
            consumers.forEach(KafkaConsumer::wakeup);
        }
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @FunctionalInterface
    private interface BatchHandler {
        void handle(ConsumerRecords<String, byte[]> records, Outbox outbox);
    }

    /**
     * The loops whose consumer has not joined its group yet; empty when both have, or when the consumers are switched
     * off. Before that the service has not read the DISPATCHED event of a task just dispatched, and a worker's first
     * write for it waits (ADR 0011) until the group has formed, while the service would already have said it was ready.
     */
    public Set<String> consumersJoining() {
        return Set.copyOf(joining);
    }

    /** The loops that ended although the service was not stopping: nothing more is recorded or rolled back by them. */
    public Set<String> consumersStopped() {
        return Set.copyOf(stopped);
    }

    private void start(String name, String group, List<String> topics, BatchHandler handler) {
        Thread thread = new Thread(() -> loop(name, group, topics, handler), name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private void loop(String name, String group, List<String> topics, BatchHandler handler) {
        Properties props = KafkaClientSettings.committedReader(bootstrapServers, group);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.maxBatch()));
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Long.toString(config.sessionTimeout().toMillis()));
        try (KafkaConsumer<String, byte[]> consumer =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                KafkaClientMeters kafkaMeters = KafkaClientMeters.bind(metrics.registry(), consumer);
                Outbox outbox = new Outbox(bootstrapServers, registryUrl)) {
            synchronized (consumers) {
                consumers.add(consumer);
            }
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // Called after every rebalance, also with nothing assigned.
                    joining.remove(name);
                }
            });
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    handler.handle(records, outbox);
                    outbox.flush();
                    // Only the partitions this poll moved: commitSync() without offsets commits every assigned one
                    // (12 for the recorder), one __consumer_offsets record each, when a batch mostly comes from one
                    // or two. nextOffsets() is the position after the batch, past transaction markers, with its
                    // leader epoch.
                    consumer.commitSync(records.nextOffsets());
                } catch (RuntimeException e) {
                    if (e instanceof WakeupException) {
                        throw e;
                    }
                    LOG.errorf(e, "%s: batch of %d failed; rewinding to the last committed offsets", name,
                            records.count());
                    rewindUntilDone(name, consumer);
                    sleepQuietly(1_000);
                }
            }
        } catch (WakeupException stopping) {
            // Shutdown.
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s stopped", name);
        } finally {
            if (running.get()) {
                stopped.add(name);
            }
        }
    }

    /** A decoded value with the record it came from, so that a value the database refuses can be dead-lettered. */
    private record Decoded<T>(ConsumerRecord<String, byte[]> record, T value) {}

    private void record(ConsumerRecords<String, byte[]> records, Outbox outbox) {
        List<Decoded<TaskEvent>> events = new ArrayList<>();
        List<Decoded<TaskResult>> results = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                if (record.topic().equals(Topics.TASK_EVENTS.name())) {
                    events.add(new Decoded<>(record, require(eventReader.deserialize(record.topic(), record.value()),
                            record)));
                } else {
                    results.add(new Decoded<>(record, require(resultReader.deserialize(record.topic(), record.value()),
                            record)));
                }
            } catch (SerializationException e) {
                outbox.deadLetter(record, e);
                metrics.deadLettered(record.topic());
            }
        }
        storeIsolating(events, recorder::recordEvents, ContentErrors::makeStorable, outbox);
        storeIsolating(results, recorder::recordResults, ContentErrors::makeStorable, outbox);
        for (Decoded<TaskResult> result : results) {
            if (result.value().getKind() == WorkKind.COMPENSATE) {
                try {
                    outbox.send(rollbacks.compensated(result.value()));
                } catch (RuntimeException e) {
                    if (!ContentErrors.isContent(e)) {
                        throw e;
                    }
                    setAside(result.record(), e, outbox);
                }
            }
        }
    }

    /**
     * Stores the batch in one transaction. If the database refuses it for what a record holds, finds that record by
     * storing one at a time, dead-letters it with the reason, and stores a storable copy instead (so that its task
     * keeps a history and ends cleanly: a fence with a changed key refuses the task's writes, and it rolls back). An
     * infrastructure error is thrown: the loop rewinds and tries the same batch again.
     */
    private <T> void storeIsolating(List<Decoded<T>> batch, Consumer<List<T>> store, UnaryOperator<T> makeStorable,
            Outbox outbox) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            store.accept(batch.stream().map(Decoded::value).toList());
            return;
        } catch (RuntimeException e) {
            if (!ContentErrors.isContent(e)) {
                throw e;
            }
            LOG.warnf("a batch of %d was refused for its content (%s); storing its records one by one", batch.size(),
                    e.getMessage());
        }
        for (Decoded<T> item : batch) {
            try {
                store.accept(List.of(item.value()));
            } catch (RuntimeException e) {
                if (!ContentErrors.isContent(e)) {
                    throw e;
                }
                setAside(item.record(), e, outbox);
                T storable;
                try {
                    storable = makeStorable.apply(item.value());
                } catch (RuntimeException bug) {
                    LOG.errorf(bug, "no storable copy of %s-%d@%d; only the dead letter keeps it",
                            item.record().topic(), item.record().partition(), item.record().offset());
                    continue;
                }
                try {
                    store.accept(List.of(storable));
                } catch (RuntimeException again) {
                    if (!ContentErrors.isContent(again)) {
                        throw again;
                    }
                    LOG.errorf("even the storable copy of %s-%d@%d was refused; only the dead letter keeps it: %s",
                            item.record().topic(), item.record().partition(), item.record().offset(),
                            again.getMessage());
                }
            }
        }
    }

    private void setAside(ConsumerRecord<String, byte[]> record, RuntimeException error, Outbox outbox) {
        LOG.warnf("record %s-%d@%d refused by the database for its content, dead-lettered: %s", record.topic(),
                record.partition(), record.offset(), error.getMessage());
        outbox.deadLetter(record, error);
        metrics.deadLettered(record.topic());
    }

    private void rollback(ConsumerRecords<String, byte[]> records, Outbox outbox) {
        java.util.Set<String> compensationsSent = new java.util.HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            RollbackCommand command;
            try {
                command = require(rollbackReader.deserialize(record.topic(), record.value()), record);
            } catch (SerializationException e) {
                outbox.deadLetter(record, e);
                metrics.deadLettered(record.topic());
                continue;
            }
            LOG.infof("rollback taskId=%s cause=%s", command.getTaskId(), command.getCause());
            try {
                RollbackService.Plan plan = rollbacks.rollback(command, config.compensationTimeout(),
                        config.maxCompensationAttempts());
                if (plan.compensation() != null && !compensationsSent.add(plan.taskId())) {
                    // The same command twice in one batch: its item is already on its way, not yet acknowledged.
                    plan = new RollbackService.Plan(plan.taskId(), plan.compensations(), plan.report(), null);
                }
                outbox.send(plan);
                if (plan.compensation() != null) {
                    String taskId = plan.taskId();
                    java.time.Instant deadline = plan.compensation().getDeadline();
                    outbox.whenAcknowledged(() -> rollbacks.compensationSent(taskId, deadline));
                }
            } catch (RuntimeException e) {
                if (!ContentErrors.isContent(e)) {
                    throw e;
                }
                // Nothing was restored (the transaction rolled back). Seal the task on its own, so that nothing it still
                // runs can write, then say so, so that the task ends visibly.
                setAside(record, e, outbox);
                try {
                    rollbacks.sealOnly(command);
                } catch (RuntimeException sealing) {
                    if (!ContentErrors.isContent(sealing)) {
                        throw sealing;
                    }
                    LOG.errorf("task %s could not even be sealed: %s", command.getTaskId(), sealing.getMessage());
                }
                outbox.send(rollbacks.refused(command, e.getMessage()));
            }
        }
    }

    private static <T> T require(T value, ConsumerRecord<String, byte[]> record) {
        if (value == null) {
            throw new SerializationException("empty value at " + record.topic() + "-" + record.partition() + "@"
                    + record.offset());
        }
        return value;
    }

    /**
     * Reading on from where the failed batch left off would skip it, so the loop does not poll again before the rewind
     * succeeded; Kafka being unavailable makes it wait, as a failed batch does, instead of ending the loop.
     */
    private void rewindUntilDone(String name, KafkaConsumer<String, byte[]> consumer) {
        while (running.get()) {
            try {
                rewind(consumer);
                return;
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warnf("%s: could not rewind yet (%s); trying again", name, e.getMessage());
                sleepQuietly(1_000);
            }
        }
    }

    private static void rewind(KafkaConsumer<String, byte[]> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        Map<TopicPartition, Long> beginnings = new HashMap<>(consumer.beginningOffsets(assigned));
        for (TopicPartition partition : assigned) {
            OffsetAndMetadata offset = committed.get(partition);
            consumer.seek(partition, offset == null ? beginnings.get(partition) : offset.offset());
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

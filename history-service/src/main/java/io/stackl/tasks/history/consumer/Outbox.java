package io.stackl.tasks.history.consumer;

import io.stackl.tasks.history.service.RollbackService;
import io.stackl.tasks.kit.kafka.KafkaClientSettings;
import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.CompensationEvent;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.SerdeWarmUp;
import io.stackl.tasks.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the history service sends: compensating events, rollback reports, compensation work items, dead letters.
 * Sent after the database transaction committed and before the input offset is committed, so a crash in between
 * sends again (at least once); the broker ignores a second report, and consumers of compensating events key them
 * by (task, snapshot sequence).
 */
final class Outbox implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String registryUrl;
    private final Map<Class<?>, Serializer<?>> serializers = new ConcurrentHashMap<>();
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();
    private final List<Runnable> onAcknowledged = new ArrayList<>();

    Outbox(String bootstrapServers, String registryUrl) {
        this.registryUrl = registryUrl;
        // Before the loop reads: the first rollback need not load these writers' classes, start them and find their
        // schemas in the registry (a first rollback took ~280 ms more than the next ones from its command to
        // ROLLED_BACK). A compensation work item's topic depends on the task, so its writer is left to its first use.
        // Before the producer, which a writer that cannot be built would otherwise leave open.
        warmUp(CompensationEvent.class, Topics.TASK_COMPENSATIONS.name());
        warmUp(RollbackReport.class, Topics.TASK_ROLLBACK_REPORTS.name());
        producer = new KafkaProducer<>(KafkaClientSettings.reliableProducer(bootstrapServers), new StringSerializer(),
                new ByteArraySerializer());
    }

    private <T extends SpecificRecord> void warmUp(Class<T> type, String topic) {
        SerdeWarmUp.warmWriter(type, topic, serializer(type));
    }

    void send(RollbackService.Plan plan) {
        if (plan == null) {
            return;
        }
        for (CompensationEvent event : plan.compensations()) {
            send(Topics.TASK_COMPENSATIONS.name(), plan.taskId(), event);
        }
        if (plan.compensation() != null) {
            send(Topics.workTopic(plan.compensation().getTopic()), plan.taskId(), plan.compensation());
        }
        if (plan.report() != null) {
            send(Topics.TASK_ROLLBACK_REPORTS.name(), plan.taskId(), plan.report());
        }
    }

    void deadLetter(ConsumerRecord<String, byte[]> record, Throwable error) {
        pending.add(producer.send(DeadLetters.record(record, error, "history-service")));
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> void send(String topic, String key, T value) {
        Serializer<T> serializer = serializer((Class<T>) value.getClass());
        pending.add(producer.send(new ProducerRecord<>(topic, key, serializer.serialize(topic, value))));
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> Serializer<T> serializer(Class<T> type) {
        return (Serializer<T>) serializers.computeIfAbsent(type, absent -> AvroSerdes.serializer(type, registryUrl));
    }

    /** Runs {@code action} once everything sent so far is acknowledged (at the next successful {@link #flush}). */
    void whenAcknowledged(Runnable action) {
        onAcknowledged.add(action);
    }

    /** Waits until everything sent is acknowledged; throws if anything failed, so the input is not committed. */
    void flush() {
        producer.flush();
        List<Future<RecordMetadata>> sent = new ArrayList<>(pending);
        List<Runnable> actions = new ArrayList<>(onAcknowledged);
        pending.clear();
        onAcknowledged.clear();
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a record could not be sent: " + e.getCause().getMessage(), e);
            }
        }
        actions.forEach(Runnable::run);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        serializers.values().forEach(Serializer::close);
    }
}

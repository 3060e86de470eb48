package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.broker.topology.TopologyNames;
import io.stackl.tasks.schema.DeadLetters;
import java.util.function.Function;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Sends a record that cannot be processed to {@code task-dead-letters} with its original bytes, in the same
 * transaction as everything else, so that a poison record never stops the broker and is never lost.
 */
final class DeadLetterRouting {

    private static final Logger LOG = Logger.getLogger(DeadLetterRouting.class);

    private DeadLetterRouting() {}

    static void send(ProcessorContext<String, Object> context, Record<String, byte[]> original, Throwable error,
            TaskObserver observer) {
        RecordMetadata source = context.recordMetadata().orElse(null);
        String topic = source == null ? "unknown" : source.topic();
        RecordHeaders headers = new RecordHeaders(original.headers().toArray());
        DeadLetters.describe(headers, topic, source == null ? -1 : source.partition(),
                source == null ? -1 : source.offset(), error, "task-broker");
        LOG.warnf("record sent to the dead-letter topic: topic=%s partition=%d offset=%d error=%s", topic,
                source == null ? -1 : source.partition(), source == null ? -1 : source.offset(), error.getMessage());
        context.forward(new Record<String, Object>(original.key(), original.value(), original.timestamp(), headers),
                TopologyNames.DEAD_LETTERS_SINK);
        observer.deadLettered(topic, error);
    }

    /**
     * A record's value as {@code decoder} reads it; or, when its bytes do not decode or decode to nothing (a
     * tombstone, an incomplete record), null, and the record is on its way to the dead-letter topic.
     *
     * @param decoder throws {@link SerializationException} for bytes it cannot read
     */
    static <T> T decodeOrDeadLetter(ProcessorContext<String, Object> context, Record<String, byte[]> record,
            Function<byte[], T> decoder, TaskObserver observer) {
        try {
            T value = decoder.apply(record.value());
            if (value == null) {
                throw new SerializationException("empty value (a tombstone)");
            }
            return value;
        } catch (SerializationException e) {
            send(context, record, e, observer);
            return null;
        }
    }

    /**
     * Kafka's own exceptions (a fenced producer, a migrated task, a registry that cannot be reached while writing)
     * must reach Kafka Streams, which retries or rebalances; routing them to the DLQ would drop a good record.
     */
    static boolean isInfrastructure(RuntimeException e) {
        return e instanceof KafkaException;
    }
}

package io.stackl.tasks.schema;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a record on {@link Topics#TASK_DEAD_LETTERS}. Its key and value are the original bytes, unchanged,
 * so that an operator can inspect, fix and replay it.
 */
public final class DeadLetters {

    public static final String SOURCE_TOPIC = "stackl.dlq.source.topic";
    public static final String SOURCE_PARTITION = "stackl.dlq.source.partition";
    public static final String SOURCE_OFFSET = "stackl.dlq.source.offset";
    public static final String ERROR_CLASS = "stackl.dlq.error.class";
    public static final String ERROR_MESSAGE = "stackl.dlq.error.message";
    public static final String FAILED_BY = "stackl.dlq.failed.by";

    /** Error messages are cut to this many characters so that a header never dwarfs the record. */
    private static final int MAX_MESSAGE = 2000;

    private DeadLetters() {}

    /**
     * The dead letter of a record that {@code failedBy} could not process: its key and value bytes unchanged, its
     * headers kept, and headers added that say where it came from and why it failed.
     */
    public static ProducerRecord<String, byte[]> record(ConsumerRecord<String, byte[]> record, Throwable error,
            String failedBy) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        describe(headers, record.topic(), record.partition(), record.offset(), error, failedBy);
        return new ProducerRecord<>(Topics.TASK_DEAD_LETTERS, null, record.key(), record.value(), headers);
    }

    public static void describe(Headers headers, String topic, int partition, long offset, Throwable error,
            String failedBy) {
        put(headers, SOURCE_TOPIC, topic);
        put(headers, SOURCE_PARTITION, Integer.toString(partition));
        put(headers, SOURCE_OFFSET, Long.toString(offset));
        put(headers, ERROR_CLASS, error.getClass().getName());
        String message = String.valueOf(error.getMessage());
        put(headers, ERROR_MESSAGE, message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message);
        put(headers, FAILED_BY, failedBy);
    }

    private static void put(Headers headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}

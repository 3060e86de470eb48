package io.stackl.tasks.gateway.messaging;

import io.stackl.tasks.kit.kafka.KafkaClientSettings;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The newest records of {@code task-dead-letters}, read on demand (for the console and {@code GET /dead-letters}):
 * a consumer without a group is assigned every partition, reads the last {@code limit} records of each, and is
 * closed. Nothing is committed, so reading them takes nothing away from whoever processes the dead letters.
 */
@ApplicationScoped
public class DeadLetterReader {

    /** The longest preview of a value: enough to recognise it, not a copy of someone's payload. */
    static final int PREVIEW_BYTES = 512;
    private static final Duration READ_FOR_AT_MOST = Duration.ofSeconds(5);
    private static final Duration KAFKA_CALL_TIMEOUT = Duration.ofSeconds(3);

    /** One reading at a time per gateway: each opens a consumer, and a console left open must not pile them up. */
    private final Semaphore reading = new Semaphore(1);
    private final String bootstrapServers;

    DeadLetterReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * One dead letter: where it sits, why it is there (the headers the component that refused it wrote), and the start
     * of its value, as text when it is UTF-8 and as hex otherwise.
     */
    public record DeadLetter(int partition, long offset, Instant timestamp, String key, String sourceTopic,
            Integer sourcePartition, Long sourceOffset, String failedBy, String errorClass, String errorMessage,
            int valueBytes, String valuePreview, String valueEncoding, Map<String, String> otherHeaders) {

        /** The same without the start of its value, for a client that may not read every topic's payloads. */
        public DeadLetter withoutPreview() {
            return new DeadLetter(partition, offset, timestamp, key, sourceTopic, sourcePartition, sourceOffset,
                    failedBy, errorClass, errorMessage, valueBytes, null, "withheld", otherHeaders);
        }
    }

    /** Kafka did not answer in time, or another reading is under way: the caller answers 503. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The newest {@code limit} dead letters across all partitions, newest first. */
    public List<DeadLetter> newest(int limit) {
        boolean acquired;
        try {
            acquired = reading.tryAcquire(READ_FOR_AT_MOST.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for another reading of the dead letters", e);
        }
        if (!acquired) {
            throw new UnavailableException("another reading of the dead letters is under way", null);
        }
        try {
            return read(limit);
        } catch (KafkaException e) {
            // A timeout, or Kafka unreachable: nothing is wrong with the request.
            throw new UnavailableException("Kafka did not answer: " + e.getMessage(), e);
        } finally {
            reading.release();
        }
    }

    private List<DeadLetter> read(int limit) {
        Properties props = KafkaClientSettings.committedReader(bootstrapServers, "unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, not subscribed: no group, nothing committed
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(KAFKA_CALL_TIMEOUT.toMillis()));
        List<DeadLetter> letters = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(Topics.TASK_DEAD_LETTERS, KAFKA_CALL_TIMEOUT)) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, KAFKA_CALL_TIMEOUT);
            Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions, KAFKA_CALL_TIMEOUT);
            Map<TopicPartition, Long> remaining = new LinkedHashMap<>();
            for (TopicPartition partition : partitions) {
                long from = Math.max(starts.get(partition), ends.get(partition) - limit);
                consumer.seek(partition, from);
                if (ends.get(partition) > from) {
                    remaining.put(partition, ends.get(partition));
                }
            }
            Instant until = Instant.now().plus(READ_FOR_AT_MOST);
            while (!remaining.isEmpty() && Instant.now().isBefore(until)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    letters.add(of(record));
                }
                // Done with a partition once its position reached the end seen at the start (transaction markers
                // included, which are never returned as records).
                remaining.keySet().removeIf(partition -> consumer.position(partition) >= remaining.get(partition));
            }
        }
        return letters.stream().sorted(Comparator.comparing(DeadLetter::timestamp).reversed()).limit(limit).toList();
    }

    private static DeadLetter of(ConsumerRecord<String, byte[]> record) {
        Map<String, String> others = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            if (!header.key().startsWith("stackl.dlq.")) {
                others.put(header.key(), text(header.value()));
            }
        }
        byte[] value = record.value() == null ? new byte[0] : record.value();
        byte[] head = value.length <= PREVIEW_BYTES ? value : Arrays.copyOf(value, PREVIEW_BYTES);
        String preview = utf8(head);
        return new DeadLetter(record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()),
                record.key(), header(record, DeadLetters.SOURCE_TOPIC), integer(header(record, DeadLetters.SOURCE_PARTITION)),
                longValue(header(record, DeadLetters.SOURCE_OFFSET)), header(record, DeadLetters.FAILED_BY),
                header(record, DeadLetters.ERROR_CLASS), header(record, DeadLetters.ERROR_MESSAGE), value.length,
                preview != null ? preview : HexFormat.of().formatHex(head), preview != null ? "utf-8" : "hex", others);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : text(header.value());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** The bytes as text if they are valid UTF-8 without control characters other than white space, else null. */
    private static String utf8(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            return text.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t') ? null : text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static Integer integer(String value) {
        try {
            return value == null ? null : Integer.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long longValue(String value) {
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

package io.stackl.tasks.testkit;

import io.stackl.tasks.schema.AvroSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** A producer and readers for tests that drive a service only through its topics, as users do. */
public final class KafkaTestClient implements AutoCloseable {

    private final String bootstrapServers;
    private final String registryUrl;
    private final KafkaProducer<String, byte[]> producer;

    public KafkaTestClient(String bootstrapServers, String registryUrl) {
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Serializers by record type: each keeps its own registry cache, so one per type, not one per send. */
    private final Map<Class<?>, Serializer<Object>> serializers = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> void send(String topic, String key, T value) {
        Serializer<Object> serializer = serializers.computeIfAbsent(value.getClass(),
                type -> (Serializer<Object>) (Serializer<?>) AvroSerdes.serializer((Class<T>) type, registryUrl));
        sendRaw(topic, key, serializer.serialize(topic, value));
    }

    /** Sends without waiting for the acknowledgement (for load); {@link #flush()} waits for all. */
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> void sendAsync(String topic, String key, T value) {
        Serializer<Object> serializer = serializers.computeIfAbsent(value.getClass(),
                type -> (Serializer<Object>) (Serializer<?>) AvroSerdes.serializer((Class<T>) type, registryUrl));
        producer.send(new ProducerRecord<>(topic, key, serializer.serialize(topic, value)));
    }

    public void flush() {
        producer.flush();
    }

    public void sendRaw(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("could not produce to " + topic, e);
        }
    }

    /** A reader of a topic from its beginning, decoding values as {@code type}. */
    public <T extends SpecificRecord> Reader<T> reader(String topic, Class<T> type) {
        return new Reader<>(topic, type);
    }

    public Reader<byte[]> rawReader(String topic) {
        return new Reader<>(topic, null);
    }

    /**
     * Reads {@code topic} from its beginning until {@code done} holds for the values read so far (only those of
     * {@code key}, unless it is null); fails after {@code timeout}. Only the records of {@code key} are decoded, so
     * that a record of another key that is not a {@code type} does not get in the way.
     */
    public <T extends SpecificRecord> List<T> read(String topic, Class<T> type, String key, Predicate<List<T>> done,
            Duration timeout) {
        try (Reader<byte[]> reader = rawReader(topic);
                Deserializer<T> deserializer = AvroSerdes.deserializer(type, registryUrl)) {
            List<T> values = new ArrayList<>();
            int[] decoded = {0};
            reader.until(records -> {
                for (; decoded[0] < records.size(); decoded[0]++) {
                    ConsumerRecord<String, byte[]> record = records.get(decoded[0]);
                    if (key == null || key.equals(record.key())) {
                        values.add(deserializer.deserialize(topic, record.value()));
                    }
                }
                return done.test(values);
            }, timeout);
            return values;
        }
    }

    /**
     * Every value of {@code key} on {@code topic}, from its beginning to its end as of now;
     * fails after {@code timeout}.
     */
    public <T extends SpecificRecord> List<T> readToEnd(String topic, Class<T> type, String key, Duration timeout) {
        try (Reader<byte[]> reader = rawReader(topic);
                Deserializer<T> deserializer = AvroSerdes.deserializer(type, registryUrl)) {
            return reader.toEnd(timeout).stream().filter(r -> key.equals(r.key()))
                    .map(r -> deserializer.deserialize(topic, r.value())).toList();
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        serializers.values().forEach(Serializer::close);
    }

    public final class Reader<T> implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final String topic;
        private final Class<T> type;
        private final List<ConsumerRecord<String, T>> seen = new ArrayList<>();
        private final Deserializer<? extends SpecificRecord> deserializer;

        @SuppressWarnings("unchecked")
        private Reader(String topic, Class<T> type) {
            this.topic = topic;
            this.type = type;
            this.deserializer = type == null ? null
                    : AvroSerdes.deserializer((Class<? extends SpecificRecord>) type, registryUrl);
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topic));
        }

        /** Reads what is there now, without waiting; calls {@code each} for every new record. */
        public List<ConsumerRecord<String, T>> poll(java.util.function.Consumer<ConsumerRecord<String, T>> each) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                ConsumerRecord<String, T> decoded = decode(record);
                seen.add(decoded);
                each.accept(decoded);
            }
            return seen;
        }

        /** Reads until {@code done} holds for everything read so far, or fails after {@code timeout}. */
        public List<ConsumerRecord<String, T>> until(Predicate<List<ConsumerRecord<String, T>>> done, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(seen)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("condition on " + topic + " not met within " + timeout + "; read "
                            + seen.size() + " records: " + seen.stream().map(ConsumerRecord::value).toList());
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(decode(record));
                }
            }
            return seen;
        }

        /** Reads until this reader has reached the end each partition had when it was called. */
        public List<ConsumerRecord<String, T>> toEnd(Duration timeout) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            return until(read -> {
                Set<TopicPartition> assigned = consumer.assignment();
                return assigned.containsAll(partitions)
                        && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            }, timeout);
        }

        public List<T> valuesFor(String key) {
            return seen.stream().filter(r -> key.equals(r.key())).map(ConsumerRecord::value).toList();
        }

        @SuppressWarnings("unchecked")
        private ConsumerRecord<String, T> decode(ConsumerRecord<String, byte[]> raw) {
            Object value = raw.value();
            if (deserializer != null && raw.value() != null) {
                value = deserializer.deserialize(topic, raw.value());
            }
            return new ConsumerRecord<>(raw.topic(), raw.partition(), raw.offset(), raw.timestamp(),
                    raw.timestampType(), raw.serializedKeySize(), raw.serializedValueSize(), raw.key(), (T) value,
                    raw.headers(), raw.leaderEpoch());
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
            if (deserializer != null) {
                deserializer.close();
            }
        }
    }
}

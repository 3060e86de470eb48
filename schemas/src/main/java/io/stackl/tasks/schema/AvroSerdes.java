package io.stackl.tasks.schema;

import io.apicurio.registry.serde.Default4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.config.SerdeConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes for the project's records in the Confluent wire format: magic byte 0, the schema's 4-byte id as the
 * registry's Confluent API shows it, then the Avro binary body. Any Confluent-compatible client can therefore read
 * and write every topic. The registry is Apicurio Registry; these serdes talk to its v3 API, and the ids they write
 * are its content ids, which are the ids its Confluent API ({@code /apis/ccompat/v7/schemas/ids/{id}}) serves.
 */
public final class AvroSerdes {

    private AvroSerdes() {}

    /** Keys that Apicurio declares in its Kafka- and Avro-specific config classes. */
    static final class KafkaSerdeKeys {
        static final String ENABLE_HEADERS = "apicurio.registry.headers.enabled";
        static final String USE_SPECIFIC_AVRO_READER = "apicurio.registry.use-specific-avro-reader";

        private KafkaSerdeKeys() {}
    }

    /**
     * The Apicurio serde settings that give the Confluent wire format; pass them to any Kafka client config.
     *
     * @param registryUrl Apicurio's v3 API, e.g. {@code http://127.0.0.1:8081/apis/registry/v3}
     */
    public static Map<String, Object> wireFormatConfig(String registryUrl) {
        return wireFormatConfig(registryUrl, System.getenv());
    }

    /** The same, with the registry's credentials from {@code settings} ({@link RegistrySecurity}'s variables). */
    static Map<String, Object> wireFormatConfig(String registryUrl, Map<String, String> settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.REGISTRY_URL, registryUrl);
        // The schema id goes in the value bytes (Confluent), not in Kafka headers (Apicurio's default).
        config.put(KafkaSerdeKeys.ENABLE_HEADERS, false);
        config.put(SerdeConfig.ID_HANDLER, Default4ByteIdHandler.class.getName());
        config.put(SerdeConfig.USE_ID, "contentId");
        // Subjects follow Confluent's TopicNameStrategy ("<topic>-value"), which is Apicurio's TopicIdStrategy.
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT_IF_EXISTS, "FIND_OR_CREATE_VERSION");
        // Nested types are inlined into one schema, as a Confluent client would register it.
        config.put(SerdeConfig.DEREFERENCE_SCHEMA, true);
        config.put(KafkaSerdeKeys.USE_SPECIFIC_AVRO_READER, true);
        config.putAll(RegistrySecurity.serdeConfig(settings));
        return config;
    }

    /** A serde for values of {@code type}; its deserializer throws {@link UndecodableRecordException} on bad bytes. */
    public static <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type, String registryUrl) {
        return Serdes.serdeFrom(serializer(type, registryUrl), deserializer(type, registryUrl));
    }

    public static <T extends SpecificRecord> Serializer<T> serializer(Class<T> type, String registryUrl) {
        return new HeaderReusingSerializer<>(type, apicurioSerializer(wireFormatConfig(registryUrl)));
    }

    /**
     * A serializer that only finds this build's schema among the versions already registered under the topic's
     * subject, and never registers one: for a service that reads the topic and must not write to the registry.
     */
    static <T extends SpecificRecord> Serializer<T> findingSerializer(Class<T> type, String registryUrl) {
        Map<String, Object> config = wireFormatConfig(registryUrl);
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, false);
        return apicurioSerializer(config);
    }

    private static <T extends SpecificRecord> AvroKafkaSerializer<T> apicurioSerializer(Map<String, Object> config) {
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        serializer.configure(config, false);
        return serializer;
    }

    /**
     * Apicurio's serializer builds a new datum writer for every record and computes the schema's parsing fingerprint
     * to look it up: a tenth of the task broker's CPU under load (JFR, benchmark "no-op onto task-requests"). For one
     * topic and one schema the 5-byte header never changes (an id names one schema for good), so Apicurio writes the
     * first record of each topic (registering or finding the schema, checking the registry's rules) and this writer
     * learns the header from it; later records are the learned header and the body, written by one datum writer. The
     * bytes are the same as Apicurio's (WireFormatTest compares them). A learned header is asked for again every
     * {@link #RELEARN_AFTER}, like Apicurio's own cache, so that a registry whose ids changed (restored from a backup,
     * an artifact registered again) is followed without a restart.
     */
    static final class HeaderReusingSerializer<T extends SpecificRecord> implements Serializer<T> {

        static final Duration RELEARN_AFTER = Duration.ofMinutes(5);

        private record Learned(byte[] header, long atNanos) {}

        private final Serializer<T> delegate;
        private final Schema schema;
        private final SpecificDatumWriter<T> writer;
        private final long relearnAfterNanos;
        private final Map<String, Learned> headers = new ConcurrentHashMap<>();

        HeaderReusingSerializer(Class<T> type, Serializer<T> delegate) {
            this(type, delegate, RELEARN_AFTER);
        }

        HeaderReusingSerializer(Class<T> type, Serializer<T> delegate, Duration relearnAfter) {
            this.relearnAfterNanos = relearnAfter.toNanos();
            this.delegate = delegate;
            // The generated class's own model, with the logical-type conversions (timestamp-millis as Instant).
            SpecificData data = SpecificData.getForClass(type);
            this.schema = data.getSchema(type);
            this.writer = new SpecificDatumWriter<>(schema, data);
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            delegate.configure(configs, isKey);
        }

        @Override
        public byte[] serialize(String topic, T record) {
            if (record == null || record.getSchema() != schema) {
                // A tombstone, or a record of another build of the class: Apicurio handles it as it always did.
                return delegate.serialize(topic, record);
            }
            Learned learned = headers.get(topic);
            long now = System.nanoTime();
            if (learned == null || now - learned.atNanos() >= relearnAfterNanos) {
                byte[] first = delegate.serialize(topic, record);
                if (first != null && first.length >= CheckedDeserializer.HEADER_LENGTH
                        && first[0] == CheckedDeserializer.MAGIC_BYTE) {
                    headers.put(topic, new Learned(Arrays.copyOf(first, CheckedDeserializer.HEADER_LENGTH), now));
                }
                return first;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.writeBytes(learned.header());
            try {
                BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
                writer.write(record, encoder);
                encoder.flush();
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot write a " + schema.getName() + " record for " + topic + ": "
                        + e.getMessage(), e);
            }
            return out.toByteArray();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    public static <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type, String registryUrl) {
        Map<String, Object> config = wireFormatConfig(registryUrl);
        // Decoded generically here (which only needs the writer's schema from the registry); CheckedDeserializer
        // then reads the bytes into the generated class itself, so Avro never has to find that class by name through
        // a class loader that may not see it (a Kafka Streams thread inside Quarkus, for one).
        config.put(KafkaSerdeKeys.USE_SPECIFIC_AVRO_READER, false);
        AvroKafkaDeserializer<Object> delegate = new AvroKafkaDeserializer<>();
        delegate.configure(config, false);
        return new CheckedDeserializer<>(type, delegate);
    }

    /**
     * Turns every way a record can fail to decode into one exception type that a service can catch, refuses a
     * well-formed record of another type (a producer that wrote the wrong schema onto the topic), and tells an
     * unreachable registry apart from bad bytes.
     */
    static final class CheckedDeserializer<T extends SpecificRecord> implements Deserializer<T> {

        static final byte MAGIC_BYTE = 0;
        static final int HEADER_LENGTH = 5;

        private final Class<T> type;
        private final Schema readerSchema;
        private final SpecificData data;
        private final Deserializer<Object> delegate;
        /**
         * One resolving reader per writer schema, by the schema id in the record's header (an id names one schema for
         * good): writer → this build's generated class. Only the first record of an id goes through the registry's
         * generic decoding (which checks the id and names the record type); the others are read once, directly.
         */
        private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

        CheckedDeserializer(Class<T> type, Deserializer<Object> delegate) {
            this.type = type;
            // Bound to the loader of the generated class itself: Avro's default model resolves record classes by
            // name through its own loader, which in a Quarkus test or a plugin setup can be another copy.
            this.data = new SpecificData(type.getClassLoader());
            // ...with the logical-type conversions (timestamp-millis as Instant) the generated class was built with.
            SpecificData.getForClass(type).getConversions().forEach(data::addLogicalTypeConversion);
            this.readerSchema = data.getSchema(type);
            this.delegate = delegate;
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            delegate.configure(configs, isKey);
        }

        @Override
        public T deserialize(String topic, byte[] bytes) {
            if (bytes == null) {
                // A tombstone; the caller decides what an absent value means.
                return null;
            }
            if (bytes.length < HEADER_LENGTH || bytes[0] != MAGIC_BYTE) {
                throw new UndecodableRecordException(topic, "not the Confluent wire format (expected magic byte 0 and"
                        + " a 4-byte schema id, got " + bytes.length + " bytes starting with "
                        + (bytes.length == 0 ? "nothing" : String.format("0x%02x", bytes[0])) + ")", null);
            }
            int schemaId = ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8)
                    | (bytes[4] & 0xff);
            SpecificDatumReader<T> known = readers.get(schemaId);
            if (known != null) {
                return read(topic, known, bytes);
            }
            Object generic;
            try {
                generic = delegate.deserialize(topic, bytes);
            } catch (RuntimeException e) {
                if (registryUnreachable(e)) {
                    throw new SchemaRegistryUnavailableException("the schema registry could not be reached to decode a"
                            + " record on " + topic + ": " + e.getMessage(), e);
                }
                // Apicurio's own message names a class (ProblemDetails) rather than the id it could not find.
                throw new UndecodableRecordException(topic, "schema id " + schemaId + " cannot be used: the registry"
                        + " has no such schema, or the bytes after it do not match it (" + e.getClass().getSimpleName()
                        + ": " + e.getMessage() + ")", e);
            }
            if (!(generic instanceof GenericContainer container)
                    || !container.getSchema().getFullName().equals(readerSchema.getFullName())) {
                throw new UndecodableRecordException(topic, "expected a " + type.getSimpleName() + " record but the"
                        + " schema id names " + describe(generic), null);
            }
            Schema writerSchema = container.getSchema();
            SpecificDatumReader<T> reader = readers.computeIfAbsent(schemaId,
                    id -> new SpecificDatumReader<>(writerSchema, readerSchema, data));
            return read(topic, reader, bytes);
        }

        private T read(String topic, SpecificDatumReader<T> reader, byte[] bytes) {
            try {
                BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH,
                        bytes.length - HEADER_LENGTH, null);
                return reader.read(null, decoder);
            } catch (IOException | RuntimeException e) {
                throw new UndecodableRecordException(topic, "cannot read the record as " + type.getSimpleName() + ": "
                        + e.getMessage(), e);
            }
        }

        private static String describe(Object value) {
            if (value instanceof GenericContainer container) {
                return container.getSchema().getFullName();
            }
            return value == null ? "nothing" : value.getClass().getName();
        }

        /** A connection problem anywhere in the cause chain, as opposed to an answer from the registry or bad bytes. */
        static boolean registryUnreachable(Throwable error) {
            for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof ConnectException || t instanceof UnknownHostException
                        || t instanceof SocketTimeoutException || t instanceof HttpTimeoutException
                        || t instanceof ClosedChannelException
                        || (t.getMessage() != null && t.getMessage().contains("Connection refused"))) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}

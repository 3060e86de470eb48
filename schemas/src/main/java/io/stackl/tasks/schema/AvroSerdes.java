package io.stackl.tasks.schema;

import io.apicurio.registry.serde.Default4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.config.SerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
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
        return config;
    }

    /** A serde for values of {@code type}; its deserializer throws {@link UndecodableRecordException} on bad bytes. */
    public static <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type, String registryUrl) {
        return Serdes.serdeFrom(serializer(type, registryUrl), deserializer(type, registryUrl));
    }

    public static <T extends SpecificRecord> Serializer<T> serializer(Class<T> type, String registryUrl) {
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        serializer.configure(wireFormatConfig(registryUrl), false);
        return serializer;
    }

    public static <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type, String registryUrl) {
        AvroKafkaDeserializer<Object> delegate = new AvroKafkaDeserializer<>();
        delegate.configure(wireFormatConfig(registryUrl), false);
        return new CheckedDeserializer<>(type, delegate);
    }

    /**
     * Turns every way a record can fail to decode into one exception type that a service can catch, and refuses a
     * well-formed record of another type (a producer that wrote the wrong schema onto the topic).
     */
    static final class CheckedDeserializer<T> implements Deserializer<T> {

        static final byte MAGIC_BYTE = 0;
        static final int HEADER_LENGTH = 5;

        private final Class<T> type;
        private final Deserializer<Object> delegate;

        CheckedDeserializer(Class<T> type, Deserializer<Object> delegate) {
            this.type = type;
            this.delegate = delegate;
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            delegate.configure(configs, isKey);
        }

        @Override
        public T deserialize(String topic, byte[] data) {
            if (data == null) {
                // A tombstone; the caller decides what an absent value means.
                return null;
            }
            if (data.length < HEADER_LENGTH || data[0] != MAGIC_BYTE) {
                throw new UndecodableRecordException(topic, "not the Confluent wire format (expected magic byte 0 and"
                        + " a 4-byte schema id, got " + data.length + " bytes starting with "
                        + (data.length == 0 ? "nothing" : String.format("0x%02x", data[0])) + ")", null);
            }
            Object value;
            try {
                value = delegate.deserialize(topic, data);
            } catch (RuntimeException e) {
                throw new UndecodableRecordException(topic, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
            if (!type.isInstance(value)) {
                throw new UndecodableRecordException(topic, "expected a " + type.getSimpleName() + " record but the"
                        + " schema id names " + (value == null ? "nothing" : describe(value)), null);
            }
            return type.cast(value);
        }

        private static String describe(Object value) {
            if (value instanceof org.apache.avro.generic.GenericContainer container) {
                return container.getSchema().getFullName();
            }
            return value.getClass().getName();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}

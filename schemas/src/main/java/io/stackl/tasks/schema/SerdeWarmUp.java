package io.stackl.tasks.schema;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Makes a service's serdes do their first-use work at start-up instead of on its first task: a serializer's first
 * record of a topic finds (or registers) the topic's schema in the registry, and a deserializer's first record of a
 * schema id fetches that schema; the first of all also loads the registry client and starts its HTTP client. In a
 * fresh JVM that was ~0.75 s for the first serialize and ~0.1 s for the first deserialize (measured against the local
 * registry), and a task crosses four services: the first task after a start took 2.6-4.1 s, later ones ~0.15 s.
 *
 * <p>Each warm-up writes a sample record of the type (every field at its simplest value) with the serializer and reads
 * the bytes back with the deserializer, without sending anything to Kafka. It is best effort: a registry that cannot
 * be reached now only leaves that work for the first real record, as before, with a warning in the log.
 */
public final class SerdeWarmUp {

    private static final System.Logger LOG = System.getLogger(SerdeWarmUp.class.getName());

    private SerdeWarmUp() {}

    /**
     * Writes a sample of {@code type} for {@code topic} with {@code serializer} (which learns the topic's schema id)
     * and, when {@code deserializer} is not null, reads it back (which learns the schema of that id).
     *
     * @return whether it was done; if not, the serdes still work and their first record does what was left
     */
    public static <T extends SpecificRecord> boolean warm(Class<T> type, String topic, Serializer<T> serializer,
            Deserializer<T> deserializer) {
        try {
            byte[] bytes = serializer.serialize(topic, sample(type));
            if (deserializer != null) {
                deserializer.deserialize(topic, bytes);
            }
            return true;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "serdes of {0} on {1} not warmed up at start-up (their first record"
                    + " will be): {2}", type.getSimpleName(), topic, e.getMessage());
            return false;
        }
    }

    /** Reads with {@code deserializer} a sample written by a serializer of its own, which it then closes. */
    public static <T extends SpecificRecord> boolean warm(Class<T> type, String topic, Deserializer<T> deserializer,
            String registryUrl) {
        try (Serializer<T> serializer = AvroSerdes.serializer(type, registryUrl)) {
            return warm(type, topic, serializer, deserializer);
        }
    }

    /** A record of {@code type} whose every field holds the simplest value its schema allows. */
    static <T extends SpecificRecord> T sample(Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        @SuppressWarnings("unchecked")
        T record = (T) sample(data.getSchema(type), data);
        return record;
    }

    private static Object sample(Schema schema, SpecificData data) {
        LogicalType logical = schema.getLogicalType();
        if (logical != null) {
            Conversion<?> conversion = data.getConversionFor(logical);
            if (conversion != null) {
                Object raw = switch (schema.getType()) {
                    case LONG -> 0L;
                    case INT -> 0;
                    case STRING -> "";
                    default -> null;
                };
                if (raw != null) {
                    return Conversions.convertToLogicalType(raw, schema, logical, conversion);
                }
            }
        }
        return switch (schema.getType()) {
            case RECORD -> {
                SpecificRecord record = (SpecificRecord) data.newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    record.put(field.pos(), sample(field.schema(), data));
                }
                yield record;
            }
            // The first branch: "null" where the field is optional, which is also its usual default.
            case UNION -> sample(schema.getTypes().get(0), data);
            case STRING -> "";
            case LONG -> 0L;
            case INT -> 0;
            case BOOLEAN -> false;
            case DOUBLE -> 0.0d;
            case FLOAT -> 0.0f;
            case BYTES -> ByteBuffer.allocate(0);
            case ENUM -> data.createEnum(schema.getEnumSymbols().get(0), schema);
            case ARRAY -> List.of();
            case MAP -> Map.of();
            case FIXED -> data.createFixed(null, new byte[schema.getFixedSize()], schema);
            case NULL -> null;
        };
    }
}

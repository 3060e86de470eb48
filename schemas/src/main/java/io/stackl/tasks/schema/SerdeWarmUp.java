package io.stackl.tasks.schema;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * registry), and a task crosses four services: the first no-op task after a start took 2.6-5.6 s, later ones ~0.2 s.
 *
 * <p>Each warm-up writes a sample record of the type (every field at its simplest value) and reads it back, without
 * sending anything to Kafka. It is best effort and bounded: a registry that cannot be reached or does not answer within
 * {@link #DEADLINE} leaves the work to the first real record, as before, with a warning, and the warm-ups after it in
 * this JVM are skipped, so that a registry that is down delays a start by one deadline at most. Any other failure (a
 * reader's schema not registered yet, say, on a first install where the history service starts before the broker has
 * registered the schemas) skips only that warm-up.
 */
public final class SerdeWarmUp {

    static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final System.Logger LOG = System.getLogger(SerdeWarmUp.class.getName());
    private static volatile boolean givenUp;

    private SerdeWarmUp() {}

    /**
     * Warms up a writer: {@code serializer} writes a sample for {@code topic}, which makes it find (or register, as it
     * would for its first record) the topic's schema and learn its id.
     *
     * @return whether it was done; if not, the serializer still works and its first record does what was left
     */
    public static <T extends SpecificRecord> boolean warmWriter(Class<T> type, String topic, Serializer<T> serializer) {
        return bounded(type, topic, () -> serializer.serialize(topic, sample(type)));
    }

    /**
     * Warms up a reader: {@code deserializer} reads a sample written with the id of this build's schema as already
     * registered for {@code topic}, which makes it fetch that schema. Registers nothing: a reader has no business
     * writing to the registry, and one whose schema the topic's writers have not registered yet is not warmed.
     *
     * @return whether it was done; if not, the deserializer still works and its first record does what was left
     */
    public static <T extends SpecificRecord> boolean warmReader(Class<T> type, String topic,
            Deserializer<T> deserializer, String registryUrl) {
        return bounded(type, topic, () -> {
            if (!SchemaRegistration.hasSubject(registryUrl, topic + "-value")) {
                // Asked first because Apicurio's own lookup logs a missing schema at ERROR, with a stack trace: on a
                // first install, where readers start before the broker has registered the schemas, that alarmed users.
                throw new IllegalStateException("no schema registered for " + topic + " yet");
            }
            try (Serializer<T> finder = AvroSerdes.findingSerializer(type, registryUrl)) {
                deserializer.deserialize(topic, finder.serialize(topic, sample(type)));
            }
        });
    }

    private static boolean bounded(Class<?> type, String topic, Runnable warmUp) {
        if (givenUp) {
            return false;
        }
        // On a thread of its own, so that a registry that accepts connections but never answers cannot hold the start.
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                warmUp.run();
                done.complete(null);
            } catch (Throwable e) { // anything: a warm-up must never stop a service from starting
                done.completeExceptionally(e);
            }
        }, "serde-warm-up");
        thread.setDaemon(true);
        thread.start();
        try {
            done.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return giveUp(type, topic, "no answer within " + DEADLINE.toSeconds() + " s");
        } catch (ExecutionException e) {
            if (AvroSerdes.CheckedDeserializer.registryUnreachable(e.getCause())) {
                return giveUp(type, topic, shortened(e.getCause()));
            }
            LOG.log(System.Logger.Level.INFO, "serdes of {0} on {1} not warmed up at start-up (their first record will"
                    + " do it): {2}", type.getSimpleName(), topic, shortened(e.getCause()));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return giveUp(type, topic, "interrupted");
        }
    }

    private static boolean giveUp(Class<?> type, String topic, String why) {
        givenUp = true;
        LOG.log(System.Logger.Level.WARNING, "serdes of {0} on {1} not warmed up at start-up, nor any after them (their"
                + " first records will do it): {2}", type.getSimpleName(), topic, why);
        return false;
    }

    /** Apicurio's messages can quote the whole schema: the class and the start of the message are enough here. */
    private static String shortened(Throwable error) {
        String text = error.toString();
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    /** For tests: lets the warm-ups after a failed one run again. */
    static void reset() {
        givenUp = false;
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
            // The null branch where there is one (optional fields, and it ends recursive types); else the first.
            case UNION -> sample(schema.getTypes().stream().filter(branch -> branch.getType() == Schema.Type.NULL)
                    .findFirst().orElse(schema.getTypes().get(0)), data);
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

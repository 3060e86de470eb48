package io.stackl.tasks.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes straight onto the suite's topics, as a producer with a Confluent-compatible serializer would: task requests
 * onto {@code task-requests}, and (to play a misbehaving or older component) any record onto any topic.
 */
final class KafkaDoor implements AutoCloseable {

    /** Writes every non-ASCII character as an escape, so an unpaired surrogate travels as {@code \}{@code uD800}. */
    static final ObjectMapper ESCAPING = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /** A client's producer: over SASL_SSL as {@code stackl-client}, whose ACLs allow task requests and commands. */
    private final KafkaProducer<String, byte[]> producer;
    /**
     * Over the local Kafka's plaintext listener, whose user may write anywhere: the rogue or older component the
     * faults play, writing where no client's ACLs would let it.
     */
    private final KafkaProducer<String, byte[]> anywhere;
    private final String registryUrl;
    private final Map<Class<?>, Serializer<SpecificRecord>> serializers = new ConcurrentHashMap<>();

    KafkaDoor(Suite suite) {
        Properties props = new Properties();
        props.putAll(suite.kafkaClient());
        producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        Properties plaintext = new Properties();
        plaintext.put("bootstrap.servers", suite.infra.kafka().bootstrapServers());
        anywhere = new KafkaProducer<>(plaintext, new StringSerializer(), new ByteArraySerializer());
        registryUrl = suite.infra.serviceEnvironment().get("SCHEMA_REGISTRY_URL");
    }

    /** A task request built from a REST body ({@link BadValues#task}); returns the id it was given. */
    @SuppressWarnings("unchecked")
    String request(Map<String, Object> body, String idempotencyKey) {
        String id = "kafka-" + UUID.randomUUID();
        try {
            send(Topics.TASK_REQUESTS.name(), id, TaskRequest.newBuilder().setId(id)
                    .setTopic((String) body.get("topic")).setSubtype((String) body.get("subtype"))
                    .setSource("e2e-kafka-producer")
                    .setArgumentsJson(ESCAPING.writeValueAsString(body.get("arguments")))
                    .setChangedDocumentKeys((List<String>) body.get("changedDocumentKeys"))
                    .setQueueTimeoutMs(((Number) body.get("queueTimeoutMs")).longValue())
                    .setExecutionTimeoutMs(((Number) body.get("timeoutMs")).longValue())
                    .setIdempotencyKey(idempotencyKey).setSubmittedAt(Instant.now()).build());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return id;
    }

    @SuppressWarnings("unchecked")
    void send(String topic, String key, SpecificRecord value) {
        Serializer<SpecificRecord> serializer = serializers.computeIfAbsent(value.getClass(), type ->
                (Serializer<SpecificRecord>) (Serializer<?>) AvroSerdes.serializer(
                        (Class<SpecificRecord>) type, registryUrl));
        try {
            boolean clients = topic.equals(Topics.TASK_REQUESTS.name()) || topic.equals(Topics.TASK_COMMANDS.name());
            (clients ? producer : anywhere).send(new ProducerRecord<>(topic, key, serializer.serialize(topic, value)))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce onto " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
        anywhere.close();
        serializers.values().forEach(Serializer::close);
    }
}

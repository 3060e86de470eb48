package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.SharedInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract that lets any Kafka client produce tasks: records on the real broker are in the Confluent wire format
 * against the real registry, and a reader that knows nothing of this project decodes them to the same fields.
 */
class WireFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalInfrastructure infra;
    private static String registryUrl;

    @BeforeAll
    static void startInfrastructure() {
        infra = SharedInfrastructure.get();
        registryUrl = infra.registry().apicurioApiUrl();
    }

    @Test
    void shouldReadTaskRequestBackWithTheSerdeAndWithAPlainConfluentWireFormatReader() throws Exception {
        String topic = Topics.TASK_REQUESTS.name() + "-" + UUID.randomUUID();
        createTopic(topic);
        TaskRequest sent = fullTaskRequest();

        try (Serializer<TaskRequest> serializer = AvroSerdes.serializer(TaskRequest.class, registryUrl);
                KafkaProducer<String, TaskRequest> producer =
                        new KafkaProducer<>(producerConfig(), new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, sent.getId(), sent)).get();
        }
        byte[] bytes = consumeOne(topic).value();

        TaskRequest viaSerde;
        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class, registryUrl)) {
            viaSerde = deserializer.deserialize(topic, bytes);
        }
        GenericRecord viaPlainReader = decodeAsAConfluentClientWould(bytes);

        assertThat(viaSerde).isEqualTo(sent);
        assertThat(viaPlainReader.getSchema().getFullName()).isEqualTo(TaskRequest.getClassSchema().getFullName());
        assertThat(plain(viaPlainReader)).isEqualTo(plain(sent));
        assertThat(subjects()).contains(topic + "-value");
    }

    @Test
    void shouldWriteEveryRecordByteForByteAsApicurioDoesWhileAskingItOncePerTopic() {
        AtomicInteger askedApicurio = new AtomicInteger();
        AvroKafkaSerializer<TaskRequest> counted = countingApicurio(askedApicurio);
        AvroKafkaSerializer<TaskRequest> apicurioAlone = new AvroKafkaSerializer<>();
        apicurioAlone.configure(AvroSerdes.wireFormatConfig(registryUrl), false);
        TaskRequest full = fullTaskRequest();
        // Optional fields left out, and text beyond ASCII: the body must not depend on which path wrote it.
        TaskRequest sparse = TaskRequest.newBuilder(fullTaskRequest()).setIdempotencyKey(null)
                .setIncludedDocuments(List.of()).setTraceContext(Map.of()).setSource("prüfung-✓").build();

        try (Serializer<TaskRequest> serializer = new AvroSerdes.HeaderReusingSerializer<>(TaskRequest.class, counted)) {
            for (String topic : List.of("reuse-a-" + UUID.randomUUID(), "reuse-b-" + UUID.randomUUID())) {
                for (TaskRequest request : List.of(full, sparse, full, sparse)) {
                    assertThat(serializer.serialize(topic, request)).as("bytes on %s", topic)
                            .isEqualTo(apicurioAlone.serialize(topic, request));
                }
            }
        } finally {
            apicurioAlone.close();
        }
        assertThat(askedApicurio).as("records Apicurio wrote: the first of each topic").hasValue(2);

        // Once a learned header is due to be asked for again, Apicurio writes the next record of the topic.
        AtomicInteger askedAgain = new AtomicInteger();
        try (Serializer<TaskRequest> relearning = new AvroSerdes.HeaderReusingSerializer<>(TaskRequest.class,
                countingApicurio(askedAgain), java.time.Duration.ZERO)) {
            String topic = "relearn-" + UUID.randomUUID();
            for (int i = 0; i < 3; i++) {
                relearning.serialize(topic, full);
            }
        }
        assertThat(askedAgain).as("every record, with the header relearned each time").hasValue(3);
    }

    @Test
    void shouldThrowASerializationExceptionForBytesThatAreNotTheWireFormat() {
        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class, registryUrl)) {
            assertThatThrownBy(() -> deserializer.deserialize("t", "{\"id\":\"not avro\"}".getBytes()))
                    .isInstanceOf(UndecodableRecordException.class)
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("not the Confluent wire format");
            assertThatThrownBy(() -> deserializer.deserialize("t", new byte[] {0, 0}))
                    .isInstanceOf(UndecodableRecordException.class);
            assertThatThrownBy(() -> deserializer.deserialize("t", new byte[0]))
                    .isInstanceOf(UndecodableRecordException.class);
        }
    }

    @Test
    void shouldThrowASerializationExceptionForAnUnknownSchemaId() {
        byte[] unknownId = ByteBuffer.allocate(9).put((byte) 0).putInt(987_654_321).putInt(42).array();

        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class, registryUrl)) {
            assertThatThrownBy(() -> deserializer.deserialize("t", unknownId))
                    .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("schema id 987654321");
        }
    }

    @Test
    void shouldThrowASerializationExceptionForAGarbledBodyBehindAValidSchemaId() {
        String topic = "garbled-" + UUID.randomUUID();
        TaskRequest original = fullTaskRequest();
        byte[] valid;
        try (Serializer<TaskRequest> serializer = AvroSerdes.serializer(TaskRequest.class, registryUrl)) {
            valid = serializer.serialize(topic, original);
        }
        byte[] garbled = new byte[12];
        System.arraycopy(valid, 0, garbled, 0, 5);
        for (int i = 5; i < garbled.length; i++) {
            garbled[i] = (byte) 0xff;
        }

        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class, registryUrl)) {
            assertThatThrownBy(() -> deserializer.deserialize(topic, garbled))
                    .isInstanceOf(UndecodableRecordException.class);
        }
        // Once the schema id is known, records behind it are read directly: a garbled one is refused all the same,
        // and the deserializer goes on reading good ones.
        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class, registryUrl)) {
            assertThat(deserializer.deserialize(topic, valid)).isEqualTo(original);
            assertThatThrownBy(() -> deserializer.deserialize(topic, garbled))
                    .isInstanceOf(UndecodableRecordException.class);
            assertThat(deserializer.deserialize(topic, valid)).isEqualTo(original);
        }
    }

    @Test
    void shouldRefuseAValidRecordOfAnotherType() {
        String topic = "wrong-type-" + UUID.randomUUID();
        TaskCommand command = TaskCommand.newBuilder().setTaskId("t-1").setCommand(TaskCommandType.CANCEL)
                .setRequestedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).build();
        byte[] bytes;
        try (Serializer<TaskCommand> serializer = AvroSerdes.serializer(TaskCommand.class, registryUrl)) {
            bytes = serializer.serialize(topic, command);
        }

        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class, registryUrl)) {
            assertThatThrownBy(() -> deserializer.deserialize(topic, bytes))
                    .isInstanceOf(UndecodableRecordException.class)
                    .hasMessageContaining("expected a TaskRequest");
        }
    }

    @Test
    void shouldTellAnUnreachableRegistryApartFromBadBytes() throws Exception {
        String topic = "unreachable-" + UUID.randomUUID();
        byte[] valid;
        try (Serializer<TaskRequest> serializer = AvroSerdes.serializer(TaskRequest.class, registryUrl)) {
            valid = serializer.serialize(topic, fullTaskRequest());
        }
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        try (Deserializer<TaskRequest> deserializer = AvroSerdes.deserializer(TaskRequest.class,
                "http://127.0.0.1:" + closedPort + "/apis/registry/v3")) {
            assertThatThrownBy(() -> deserializer.deserialize(topic, valid))
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .isNotInstanceOf(SerializationException.class);
        }
    }

    @Test
    void shouldEnforceBackwardCompatibilityInTheRegistry() throws Exception {
        String subject = "compat-" + UUID.randomUUID() + "-value";
        String v1 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}";
        String compatible = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"
                + "{\"name\":\"b\",\"type\":\"string\",\"default\":\"\"}]}";
        String incompatible = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"
                + "{\"name\":\"c\",\"type\":\"string\"}]}";

        JsonNode config = JSON.readTree(get(infra.registry().confluentApiUrl() + "/config").body());
        int first = register(subject, v1);
        int withDefault = register(subject, compatible);
        int withoutDefault = register(subject, incompatible);

        assertThat(config.path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertThat(first).isEqualTo(200);
        assertThat(withDefault).isEqualTo(200);
        assertThat(withoutDefault).isEqualTo(409);
    }

    /** Apicurio's own serializer with the wire-format settings, counting the records it is asked to write. */
    private static AvroKafkaSerializer<TaskRequest> countingApicurio(AtomicInteger asked) {
        AvroKafkaSerializer<TaskRequest> serializer = new AvroKafkaSerializer<>() {
            @Override
            public byte[] serialize(String topic, TaskRequest data) {
                asked.incrementAndGet();
                return super.serialize(topic, data);
            }
        };
        serializer.configure(AvroSerdes.wireFormatConfig(registryUrl), false);
        return serializer;
    }

    static TaskRequest fullTaskRequest() {
        return TaskRequest.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setTopic("document")
                .setSubtype("put")
                .setSource("wire-format-test")
                .setArgumentsJson("{\"key\":\"stacks/web\",\"value\":{\"replicas\":3}}")
                .setIncludedDocuments(List.of(IncludedDocument.newBuilder().setKey("stacks/web")
                        .setValueJson("{\"replicas\":2}").setVersion(7L).build()))
                .setChangedDocumentKeys(List.of("stacks/web", "stacks/web/status"))
                .setQueueTimeoutMs(5_000L)
                .setExecutionTimeoutMs(30_000L)
                .setIdempotencyKey("idem-42")
                .setSubmittedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setTraceContext(Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
                .build();
    }

    /** What a client in any language does: magic byte, 4-byte id, fetch the schema by id, decode with plain Avro. */
    private static GenericRecord decodeAsAConfluentClientWould(byte[] bytes) throws Exception {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        assertThat(buffer.get()).as("magic byte").isEqualTo((byte) 0);
        int schemaId = buffer.getInt();
        HttpResponse<String> response = get(infra.registry().confluentApiUrl() + "/schemas/ids/" + schemaId);
        assertThat(response.statusCode()).as("schema %d from the Confluent API", schemaId).isEqualTo(200);
        Schema writerSchema = new Schema.Parser().parse(JSON.readTree(response.body()).path("schema").asText());
        GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(writerSchema);
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
    }

    /** A record's fields as plain Java values, so that a generic and a specific record compare field by field. */
    private static Object plain(Object value) {
        if (value instanceof GenericRecord record) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (Schema.Field field : record.getSchema().getFields()) {
                fields.put(field.name(), plain(record.get(field.name())));
            }
            return fields;
        }
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof List<?> list) {
            List<Object> items = new ArrayList<>();
            list.forEach(item -> items.add(plain(item)));
            return items;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> entries = new LinkedHashMap<>();
            map.forEach((k, v) -> entries.put(k.toString(), plain(v)));
            return entries;
        }
        if (value instanceof Enum<?> || value instanceof org.apache.avro.generic.GenericEnumSymbol<?>) {
            return value.toString();
        }
        return value;
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private static Properties producerConfig() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    private static ConsumerRecord<byte[], byte[]> consumeOne(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "wire-format-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    return record;
                }
            }
        }
        throw new AssertionError("no record arrived on " + topic + " within 30 s");
    }

    private static List<String> subjects() throws Exception {
        List<String> subjects = new ArrayList<>();
        JSON.readTree(get(infra.registry().confluentApiUrl() + "/subjects").body())
                .forEach(node -> subjects.add(node.asText()));
        return subjects;
    }

    private static int register(String subject, String schema) throws Exception {
        String body = JSON.writeValueAsString(Map.of("schema", schema));
        HttpRequest post = HttpRequest.newBuilder(
                        URI.create(infra.registry().confluentApiUrl() + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(post, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}

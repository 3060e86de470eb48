package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The seed's promises on the whole suite, driven only as users drive it: REST and plain Kafka clients. */
@Tag("e2e")
class ScenariosE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String RUN = "scenarios/" + UUID.randomUUID().toString().substring(0, 8) + "/";
    private static final List<String> REPORT = new CopyOnWriteArrayList<>();
    private static Suite suite;

    /** Every task this test submitted, for the invariant checker. */
    private final List<String> tasks = new CopyOnWriteArrayList<>();
    /** This test's documents live under their own prefix, so the checker looks at exactly them. */
    private final String prefix = RUN + UUID.randomUUID().toString().substring(0, 8) + "/";

    @BeforeAll
    static void start() {
        suite = Suite.get();
        // Ready when a task makes the whole trip.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
                .until(() -> suite.post("/tasks?wait=5", Map.of("topic", "noop", "subtype", "run")).status() == 200);
    }

    @Test
    void shouldRunATaskToSuccess() throws Exception {
        String key = keyFor("success");

        Suite.Reply reply = submit("/tasks?wait=30", document("put", key, Map.of("replicas", 3)));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(suite.get("/documents/" + key).body().path("valueJson").asText()).contains("\"replicas\": 3");
        assertInvariants("a task succeeds", List.of(key), List.of());
    }

    @Test
    void shouldRestoreEveryDocumentAFailedTaskChanged() throws Exception {
        String kept = keyFor("kept");
        String created = keyFor("created");
        String missing = keyFor("missing");
        assertThat(state(submit("/tasks?wait=30", document("put", kept, Map.of("v", "original"))))).isEqualTo("SUCCEEDED");

        Suite.Reply failed = submit("/tasks?wait=30", batch(List.of(kept, created, missing),
                op("put", kept, Map.of("v", "changed")), op("put", created, Map.of("new", true)),
                op("put", kept, Map.of("v", "changed twice")), op("patch", missing, Map.of("x", 1))));

        assertThat(state(failed)).isEqualTo("ROLLED_BACK");
        assertThat(failed.body().path("reason").asText()).startsWith("NOT_FOUND");
        JsonNode restored = suite.get("/documents/" + kept).body();
        assertThat(restored.path("valueJson").asText()).contains("original");
        // The original value, under a version number the key never had (1 before, 2 and 3 from the failed task).
        assertThat(restored.path("version").asLong()).isGreaterThan(3);
        assertThat(suite.get("/documents/" + created).status()).isEqualTo(404);
        assertInvariants("a handler fails: rollback", List.of(kept, created, missing), List.of());
    }

    @Test
    void shouldRollBackATaskThatPassesItsTimeout() throws Exception {
        String key = keyFor("timeout");
        Map<String, Object> task = batch(List.of(key), op("put", key, Map.of("v", 1)), Map.of("op", "wait", "ms", 10_000));
        task.put("timeoutMs", 2_000);

        Suite.Reply reply = submit("/tasks?wait=30", task);

        assertThat(state(reply)).isEqualTo("ROLLED_BACK");
        assertThat(reply.body().path("reason").asText()).contains("execution timeout");
        assertThat(suite.get("/documents/" + key).status()).isEqualTo(404);
        assertInvariants("a task passes its timeout", List.of(key), List.of());
    }

    @Test
    void shouldRollBackACancelledTask() throws Exception {
        String key = keyFor("cancel");
        Suite.Reply accepted = submit("/tasks?wait=0",
                batch(List.of(key), op("put", key, Map.of("v", 1)), Map.of("op", "wait", "ms", 20_000)));
        String location = accepted.raw().headers().firstValue("Location").orElseThrow();
        Awaitility.await().atMost(WAIT).until(() -> suite.get("/documents/" + key).status() == 200);

        assertThat(suite.delete(location).status()).isEqualTo(202);

        Awaitility.await().atMost(WAIT).until(() -> suite.get(location + "/result").status() == 200);
        assertThat(suite.get(location + "/result").body().path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(suite.get("/documents/" + key).status()).isEqualTo(404);
        assertInvariants("a cancel", List.of(key), List.of());
    }

    @Test
    void shouldSerialiseConflictingTasksWithLocks() throws Exception {
        String counter = keyFor("counter");
        int n = 15;
        List<CompletableFuture<Suite.Reply>> increments = IntStream.range(0, n)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> submit("/tasks?wait=90",
                        Map.of("topic", "document", "subtype", "increment", "arguments", Map.of("key", counter),
                                "changedDocumentKeys", List.of(counter), "queueTimeoutMs", 120_000))))
                .toList();

        Set<Long> written = new TreeSet<>();
        for (CompletableFuture<Suite.Reply> increment : increments) {
            Suite.Reply reply = increment.join();
            assertThat(state(reply)).as(reply.body().toString()).isEqualTo("SUCCEEDED");
            written.add(reply.body().path("output").path("value").asLong());
        }

        // A lost update (two increments reading the same value) would leave the counter short of n.
        assertThat(suite.get("/documents/" + counter).body().path("valueJson").asText()).contains("\"value\": " + n);
        assertThat(written).as("each increment saw the previous one").hasSize(n);
        // The checker also proves from the workers' own start and end times that no two increments ran at once.
        assertInvariants("locks serialise conflicting tasks", List.of(counter), List.of(counter));
    }

    @Test
    void shouldProcessATaskAPlainKafkaProducerWroteInTheConfluentWireFormat() throws Exception {
        String id = "plain-producer-" + UUID.randomUUID();
        String confluentApi = suite.infra.registry().confluentApiUrl();
        JsonNode latest = Suite.JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(confluentApi + "/subjects/task-requests-value/versions/latest")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        Schema schema = new Schema.Parser().parse(latest.path("schema").asText());
        GenericRecord request = new GenericData.Record(schema);
        request.put("id", id);
        request.put("topic", "noop");
        request.put("subtype", "run");
        request.put("source", "plain-kafka-client");
        request.put("argumentsJson", "{\"from\":\"kafka\"}");
        request.put("includedDocuments", List.of());
        request.put("changedDocumentKeys", List.of());
        request.put("submittedAt", Instant.now().toEpochMilli());
        request.put("traceContext", Map.of());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0);
        bytes.write(ByteBuffer.allocate(4).putInt(latest.path("id").asInt()).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(schema).write(request, encoder);
        encoder.flush();
        produce(id, bytes.toByteArray());
        tasks.add(id);

        Awaitility.await().atMost(WAIT).until(() -> suite.get("/tasks/" + id + "/result").status() == 200);
        JsonNode result = suite.get("/tasks/" + id + "/result").body();
        assertThat(result.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(result.path("output").path("from").asText()).isEqualTo("kafka");
        assertInvariants("a plain Kafka producer's task", List.of(), List.of());
    }

    @Test
    void shouldDeadLetterAPoisonRecordAndKeepEveryServiceWorking() throws Exception {
        String key = "poison-" + UUID.randomUUID();
        byte[] poison = "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8);

        produce(key, poison);

        List<ConsumerRecord<String, byte[]>> dead = readDeadLetters(key);
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(r.value()).isEqualTo(poison);
            assertThat(new String(r.headers().lastHeader(DeadLetters.SOURCE_TOPIC).value(), StandardCharsets.UTF_8))
                    .isEqualTo(Topics.TASK_REQUESTS.name());
        });
        String after = keyFor("after-poison");
        assertThat(state(submit("/tasks?wait=30", document("put", after, Map.of("ok", true))))).isEqualTo("SUCCEEDED");
        assertInvariants("a poison record is dead-lettered", List.of(after), List.of());
    }

    @AfterAll
    static void printReport() {
        System.out.printf("scenarios e2e:%n  %s%n", String.join("\n  ", REPORT));
    }

    // ---------------------------------------------------------------- helpers

    private String keyFor(String name) {
        return prefix + name;
    }

    /** Submits through the gateway and remembers the task, as the checker must hold the suite to every one. */
    private Suite.Reply submit(String path, Object task) {
        Suite.Reply reply = suite.post(path, task);
        if (reply.body().hasNonNull("taskId")) {
            tasks.add(reply.body().path("taskId").asText());
        }
        return reply;
    }

    /** The same invariants as under faults, for this scenario's tasks and documents; records a line of the report. */
    private void assertInvariants(String scenario, List<String> keys, List<String> counters) throws Exception {
        InvariantChecker checker = new InvariantChecker(suite);
        checker.awaitAllEnded(tasks, WAIT);
        Map<String, Long> violations = checker.check(tasks, prefix, counters, keys);
        long total = violations.values().stream().mapToLong(Long::longValue).sum();
        REPORT.add(String.format("%-36s tasks %3d, faults 0, violations %d%s", scenario, tasks.size(), total,
                total == 0 ? "" : " " + violations));
        assertThat(violations).allSatisfy((invariant, count) -> assertThat(count).as(invariant).isZero());
    }

    private static String state(Suite.Reply reply) {
        return reply.body().path("state").asText();
    }

    private static Map<String, Object> document(String subtype, String key, Object value) {
        return Map.of("topic", "document", "subtype", subtype, "arguments", Map.of("key", key, "value", value),
                "changedDocumentKeys", List.of(key));
    }

    @SafeVarargs
    private static Map<String, Object> batch(List<String> keys, Map<String, Object>... operations) {
        Map<String, Object> task = new java.util.HashMap<>();
        task.put("topic", "document");
        task.put("subtype", "batch");
        task.put("arguments", Map.of("operations", List.of(operations)));
        task.put("changedDocumentKeys", keys);
        return task;
    }

    private static Map<String, Object> op(String op, String key, Object value) {
        return Map.of("op", op, "key", key, "value", value);
    }

    private static void produce(String key, byte[] value) {
        try (var kafka = kafka()) {
            kafka.sendRaw(Topics.TASK_REQUESTS.name(), key, value);
        }
    }

    /** The dead letters of {@code key}, once there is at least one. */
    private static List<ConsumerRecord<String, byte[]>> readDeadLetters(String key) {
        try (var kafka = kafka(); var reader = kafka.rawReader(Topics.TASK_DEAD_LETTERS)) {
            return reader.until(read -> read.stream().anyMatch(r -> key.equals(r.key())), WAIT).stream()
                    .filter(r -> key.equals(r.key())).toList();
        }
    }

    private static KafkaTestClient kafka() {
        return new KafkaTestClient(suite.infra.kafka().bootstrapServers(), suite.infra.registry().apicurioApiUrl());
    }
}

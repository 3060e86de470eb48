package io.stackl.tasks.history;

import static io.stackl.tasks.history.InternalCallers.asWorker;
import static io.stackl.tasks.history.InternalCallers.asGateway;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.schema.CompensationEvent;
import io.stackl.tasks.schema.CompensationOutcome;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The history service driven only through Kafka and HTTP, as the broker and the workers drive it. */
@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HistoryKafkaTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tasks.schema-registry.url")
    String registryUrl;

    @Test
    void shouldRollBackFromACommandOnKafkaAndReportOnceThoughDeliveredTwice() {
        String task = Tasks.newId("kafka-rollback");
        String key = "docs/" + task;
        Tasks.dispatched(task, List.of(key)).forEach(e -> send(Topics.TASK_EVENTS.name(), task, e));
        awaitWritable(task, key);
        asWorker().contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 1, "value", Map.of("a", 1)))
                .put("/documents/{key}", key).then().statusCode(200);

        send(Topics.TASK_ROLLBACKS.name(), task, Tasks.rollback(task));
        send(Topics.TASK_ROLLBACKS.name(), task, Tasks.rollback(task));

        List<RollbackReport> reports = read(Topics.TASK_ROLLBACK_REPORTS.name(), RollbackReport.class, task,
                seen -> seen.size() >= 2);
        // Both reports are out, so every compensating event of both deliveries is in the topic: read to its end.
        List<CompensationEvent> compensations = readToEnd(Topics.TASK_COMPENSATIONS.name(), CompensationEvent.class,
                task);
        assertThat(reports).allSatisfy(r -> assertThat(r.getRolledBack()).isTrue());
        // Two writes (the first one in awaitWritable), restored newest first, once: the second delivery sends the
        // same events again (what a delivery owes Kafka is derived from the database), which consumers key by
        // (task, snapshot sequence).
        assertThat(compensations).extracting(CompensationEvent::getSnapshotSequence).containsExactly(2, 1, 2, 1);
        assertThat(compensations.subList(2, 4)).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(compensations.subList(0, 2));
        asGateway().get("/documents/{key}", key).then().statusCode(404);
    }

    @Test
    void shouldHandExternalUndoToTheWorkersAndEndTheRollbackWithTheirReport() {
        String task = Tasks.newId("kafka-undo");
        Tasks.dispatchedOn("http", task).forEach(e -> send(Topics.TASK_EVENTS.name(), task, e));
        Awaitility.await().atMost(WAIT).until(() -> asWorker().contentType(ContentType.JSON)
                .body(Map.of("fencingToken", 1, "handlerTopic", "http", "handlerSubtype", "call",
                        "undo", Map.of("url", "http://127.0.0.1/undo/1")))
                .post("/tasks/{id}/undo-records", task).statusCode() == 200);

        send(Topics.TASK_ROLLBACKS.name(), task, Tasks.rollback(task));
        WorkItem compensation = read(Topics.workTopic("http"), WorkItem.class, task, seen -> !seen.isEmpty()).get(0);
        send(Topics.TASK_RESULTS.name(), task, TaskResult.newBuilder().setTaskId(task).setKind(WorkKind.COMPENSATE)
                .setAttempt(0).setFencingToken(1).setSucceeded(true).setWorkerId("w")
                .setCompensations(List.of(CompensationOutcome.newBuilder().setSequence(1).setSucceeded(true).build()))
                .setStartedAt(Instant.now()).setFinishedAt(Instant.now()).build());

        RollbackReport report = read(Topics.TASK_ROLLBACK_REPORTS.name(), RollbackReport.class, task,
                seen -> !seen.isEmpty()).get(0);
        assertThat(compensation.getKind()).isEqualTo(WorkKind.COMPENSATE);
        assertThat(compensation.getUndoRecords()).singleElement()
                .satisfies(u -> assertThat(u.getUndoJson()).contains("/undo/1"));
        assertThat(report.getRolledBack()).isTrue();
        assertThat(report.getCompensatedActions()).isEqualTo(1);
    }

    @Test
    void shouldStoreEventsFromKafkaAndDeadLetterAPoisonRecordWithoutStopping() {
        String poisonKey = Tasks.newId("poison");
        String task = Tasks.newId("after-poison");
        sendRaw(Topics.TASK_EVENTS.name(), poisonKey, "not avro".getBytes(StandardCharsets.UTF_8));
        Tasks.dispatched(task, List.of()).forEach(e -> send(Topics.TASK_EVENTS.name(), task, e));

        Awaitility.await().atMost(WAIT).until(() -> asGateway().get("/tasks/{id}", task).statusCode() == 200);
        List<ConsumerRecord<String, byte[]>> dead = readRaw(Topics.TASK_DEAD_LETTERS, poisonKey);
        assertThat(dead).singleElement().satisfies(r -> assertThat(new String(r.headers()
                .lastHeader(DeadLetters.FAILED_BY).value(), StandardCharsets.UTF_8)).isEqualTo("history-service"));
        asGateway().get("/tasks/{id}", task).then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("DISPATCHED"))
                .body("events.size()", org.hamcrest.Matchers.equalTo(2));
    }

    /**
     * Issue 19: a DISPATCHED event whose declared key holds NUL (as a broker of an older version would have sent) made
     * PostgreSQL refuse the whole batch, and the consumer retried it forever. Now the refused record is set aside
     * (dead-lettered, a storable copy kept) and every later record is stored.
     */
    @Test
    void shouldSetAsideAnEventPostgresRefusesAndGoOnWithTheNextTasks() {
        String poison = Tasks.newId("nul-key");
        String next = Tasks.newId("after-nul-key");
        Tasks.dispatched(poison, List.of("a\u0000b")).forEach(e -> send(Topics.TASK_EVENTS.name(), poison, e));
        send(Topics.TASK_RESULTS.name(), poison, TaskResult.newBuilder().setTaskId(poison).setKind(WorkKind.EXECUTE)
                .setAttempt(1).setFencingToken(1).setSucceeded(true).setOutputJson("{\"body\":\"\\u0000\"}")
                .setWorkerId("w\u0000").setStartedAt(Instant.now()).setFinishedAt(Instant.now()).build());
        Tasks.dispatched(next, List.of("docs/" + next)).forEach(e -> send(Topics.TASK_EVENTS.name(), next, e));

        awaitWritable(next, "docs/" + next);
        List<ConsumerRecord<String, byte[]>> dead = readRaw(Topics.TASK_DEAD_LETTERS, poison);
        assertThat(dead).allSatisfy(r -> assertThat(new String(r.headers().lastHeader(DeadLetters.ERROR_MESSAGE)
                .value(), StandardCharsets.UTF_8)).containsAnyOf("0x00", "\\u0000", "U+0000"));
        // The task keeps its history, with the key made storable: no write of the real key can pass its fence.
        asGateway().get("/tasks/{id}", poison).then().statusCode(200)
                .body("events.size()", org.hamcrest.Matchers.equalTo(2));
    }

    @Test
    void shouldRefuseADocumentValueThatPostgresCannotStoreAsInvalidContent() {
        String task = Tasks.newId("nul-value");
        String key = "docs/" + task;
        Tasks.dispatched(task, List.of(key)).forEach(e -> send(Topics.TASK_EVENTS.name(), task, e));
        awaitWritable(task, key);

        asWorker().contentType(ContentType.JSON).body("{\"taskId\":\"" + task + "\",\"fencingToken\":1,"
                + "\"value\":{\"v\":\"\\u0000\"}}").put("/documents/{key}", key).then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.endsWith("/problems/invalid-content"))
                .body("detail", org.hamcrest.Matchers.containsString("U+0000"));
    }

    private void awaitWritable(String task, String key) {
        // The fence comes from the DISPATCHED event; until the consumer stored it a write answers 503 Retry-After.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> asWorker()
                .contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 1, "value", Map.of("a", 0)))
                .put("/documents/{key}", key).statusCode() != 503);
    }

    private <T extends SpecificRecord> void send(String topic, String key, T value) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl)) {
            kafka.send(topic, key, value);
        }
    }

    private void sendRaw(String topic, String key, byte[] value) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl)) {
            kafka.sendRaw(topic, key, value);
        }
    }

    private <T extends SpecificRecord> List<T> read(String topic, Class<T> type, String key, Predicate<List<T>> done) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl)) {
            return kafka.read(topic, type, key, done, WAIT);
        }
    }

    private <T extends SpecificRecord> List<T> readToEnd(String topic, Class<T> type, String key) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl)) {
            return kafka.readToEnd(topic, type, key, WAIT);
        }
    }

    /** The records of {@code key} on {@code topic}, once there is at least one. */
    private List<ConsumerRecord<String, byte[]>> readRaw(String topic, String key) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl);
                var reader = kafka.rawReader(topic)) {
            return reader.until(read -> read.stream().anyMatch(r -> key.equals(r.key())), WAIT).stream()
                    .filter(r -> key.equals(r.key())).toList();
        }
    }
}

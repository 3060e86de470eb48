package io.stackl.tasks.broker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import io.stackl.tasks.testkit.KafkaTestClient;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The broker as a Quarkus service on the real Kafka broker and registry, driven only through Kafka and HTTP. */
@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class TaskBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tasks.schema-registry.url")
    String registryUrl;

    @ConfigProperty(name = "tasks.internal-api.tokens.gateway")
    String gatewayToken;

    @ConfigProperty(name = "tasks.internal-api.tokens.peer")
    String peerToken;

    /** The history service's token for the gateway: a real service token, but not one for this service. */
    @ConfigProperty(name = "TASKS_HISTORY_TOKEN_GATEWAY")
    String historyToken;

    private KafkaTestClient kafka;

    @BeforeEach
    void connectOnceTheBrokerIsReady() {
        // As a user's client would: wait until the service says it is ready (Kafka Streams RUNNING, topics there).
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        kafka = new KafkaTestClient(bootstrapServers, registryUrl);
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void shouldTakeATaskFromRequestToSuccessAndServeItsLiveState() {
        String id = UUID.randomUUID().toString();
        try (var work = kafka.reader(Topics.workTopic("noop"), WorkItem.class);
                var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            kafka.send(Topics.TASK_REQUESTS.name(), id, request(id).build());
            WorkItem item = work.until(seen -> !valuesFor(seen, id).isEmpty(), WAIT).stream()
                    .filter(r -> id.equals(r.key())).findFirst().orElseThrow().value();

            kafka.send(Topics.TASK_RESULTS.name(), id, TaskResult.newBuilder().setTaskId(id).setKind(WorkKind.EXECUTE)
                    .setAttempt(item.getAttempt()).setFencingToken(item.getFencingToken()).setSucceeded(true)
                    .setOutputJson("{\"answer\":42}").setStartedAt(Instant.now()).setFinishedAt(Instant.now()).build());
            events.until(seen -> states(seen, id).contains(TaskState.SUCCEEDED), WAIT);

            assertThat(states(events.until(s -> true, WAIT), id))
                    .containsExactly(TaskState.SUBMITTED, TaskState.DISPATCHED, TaskState.SUCCEEDED);
        }
        asGateway().get("/tasks/{id}", id).then().statusCode(200)
                .body("state", equalTo("SUCCEEDED"))
                .body("outputJson", equalTo("{\"answer\":42}"));
    }

    @Test
    void shouldTimeOutByWallClockWhenNoResultComes() {
        String id = UUID.randomUUID().toString();
        try (var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            kafka.send(Topics.TASK_REQUESTS.name(), id, request(id).setExecutionTimeoutMs(1_000L).build());

            events.until(seen -> states(seen, id).contains(TaskState.ROLLING_BACK), WAIT);

            assertThat(states(events.until(s -> true, WAIT), id)).containsExactly(TaskState.SUBMITTED,
                    TaskState.DISPATCHED, TaskState.TIMED_OUT, TaskState.ROLLING_BACK);
        }
    }

    @Test
    void shouldSendAPoisonRecordToTheDeadLetterTopicAndKeepWorking() {
        String poisonKey = "poison-" + UUID.randomUUID();
        byte[] poison = "{\"this\":\"is not avro\"}".getBytes(StandardCharsets.UTF_8);
        String id = UUID.randomUUID().toString();
        try (var dead = kafka.rawReader(Topics.TASK_DEAD_LETTERS);
                var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            kafka.sendRaw(Topics.TASK_REQUESTS.name(), poisonKey, poison);
            kafka.send(Topics.TASK_REQUESTS.name(), id, request(id).build());

            ConsumerRecord<String, byte[]> deadLetter = dead.until(seen -> seen.stream()
                    .anyMatch(r -> poisonKey.equals(r.key())), WAIT).stream()
                    .filter(r -> poisonKey.equals(r.key())).findFirst().orElseThrow();
            events.until(seen -> states(seen, id).contains(TaskState.DISPATCHED), WAIT);

            assertThat(deadLetter.value()).isEqualTo(poison);
            assertThat(new String(deadLetter.headers().lastHeader(DeadLetters.SOURCE_TOPIC).value(),
                    StandardCharsets.UTF_8)).isEqualTo(Topics.TASK_REQUESTS.name());
        }
    }

    @Test
    void shouldAnswerItsInternalApiOnlyToTheGatewayAndItsPeersEachWithItsOwnToken() {
        given().get("/tasks/{id}", "no-such-task").then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("/problems/unauthorized"));
        as(historyToken).get("/tasks/{id}", "no-such-task").then().statusCode(401)
                .body("detail", equalTo("The service token is not valid"));
        as(historyToken).get("/locks").then().statusCode(401);
        // Probes and scrapers need no token.
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);

        as(peerToken).get("/tasks/{id}", "no-such-task").then().statusCode(404);
        // Past the guard: the lock listing answers, or says 503 while the instances' parts cannot all be read yet.
        as(peerToken).get("/locks").then().statusCode(anyOf(equalTo(200), equalTo(503)));
        asGateway().get("/locks/{key}", "docs/no-such-key").then().statusCode(anyOf(equalTo(200), equalTo(503)));
    }

    @Test
    void shouldAnswerProblemJson404ForAnUnknownTask() {
        asGateway().get("/tasks/{id}", "no-such-task").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("/problems/task-not-found"))
                .body("taskId", equalTo("no-such-task"));
    }

    private RequestSpecification asGateway() {
        return as(gatewayToken);
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    static TaskRequest.Builder request(String id) {
        return TaskRequest.newBuilder().setId(id).setTopic("noop").setSubtype("run").setSource("broker-test")
                .setArgumentsJson("{}").setQueueTimeoutMs(10_000L).setExecutionTimeoutMs(30_000L)
                .setSubmittedAt(Instant.now());
    }

    static <T> List<T> valuesFor(List<ConsumerRecord<String, T>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).map(ConsumerRecord::value).toList();
    }

    static List<TaskState> states(List<ConsumerRecord<String, TaskEvent>> events, String id) {
        return valuesFor(events, id).stream().map(TaskEvent::getState).toList();
    }
}

package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stackl.tasks.client.AwaitTimeoutException;
import io.stackl.tasks.client.Document;
import io.stackl.tasks.client.DocumentChange;
import io.stackl.tasks.client.InvalidRequestException;
import io.stackl.tasks.client.NotFoundException;
import io.stackl.tasks.client.StacklClient;
import io.stackl.tasks.client.Submission;
import io.stackl.tasks.client.Task;
import io.stackl.tasks.client.TaskEvent;
import io.stackl.tasks.client.TaskHandle;
import io.stackl.tasks.client.TaskOutcome;
import io.stackl.tasks.client.TaskQuery;
import io.stackl.tasks.client.TaskState;
import io.stackl.tasks.client.UnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client against the real suite: every call a user makes, each terminal state, and the refusals. */
class ClientE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    /** More digits than a double holds. */
    private static final String EXACT = "1.000000000000000000001";
    private static Suite suite;
    private static StacklClient stackl;

    @BeforeAll
    static void start() {
        suite = Suite.get();
        stackl = StacklClient.builder().baseUrl(suite.gateway.url()).build();
        Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> stackl.run(Submission.of("noop", "run"),
                Duration.ofSeconds(5)).succeeded());
    }

    @AfterAll
    static void close() {
        stackl.close();
    }

    @Test
    void shouldWriteADocumentAndReadItAndItsHistoryBack() {
        String key = "client-e2e/" + UUID.randomUUID();
        for (int replicas = 1; replicas <= 2; replicas++) {
            TaskOutcome outcome = stackl.submit(Submission.of("document", "put").argument("key", key)
                    .argument("value", Map.of("replicas", replicas, "ratio", new java.math.BigDecimal(EXACT)))
                    .changes(key)).await(WAIT);
            assertThat(outcome.state()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(outcome.output().path("version").asLong()).isEqualTo(replicas);
        }

        Document document = stackl.document(key).orElseThrow();
        assertThat(document.version()).isEqualTo(2);
        assertThat(document.value().path("replicas").asInt()).isEqualTo(2);
        // Every number as written, through the gateway, the worker and PostgreSQL: no double in between.
        assertThat(document.value().path("ratio").decimalValue()).isEqualByComparingTo(EXACT);
        assertThat(stackl.documents(key, null, 10)).extracting(Document::key).containsExactly(key);
        List<DocumentChange> history = stackl.documentHistory(key, 10);
        assertThat(history).hasSize(2);
        assertThat(history.get(0).previousVersion()).isEqualTo(1);
        assertThat(history.get(0).previousValue().path("replicas").asInt()).isEqualTo(1);
        assertThat(history.get(1).previousValue()).as("the first write created it").isNull();
        assertThat(stackl.document(key + "/absent")).isEmpty();
    }

    @Test
    void shouldWatchATaskThatRollsBackEventByEventInOrder() {
        TaskHandle handle = stackl.submit(Submission.of("noop", "fail"));
        List<TaskEvent> seen = new CopyOnWriteArrayList<>();

        TaskEvent end = handle.watch(seen::add, WAIT);

        assertThat(end.state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(seen).extracting(TaskEvent::state)
                .containsSubsequence(TaskState.SUBMITTED, TaskState.FAILED, TaskState.ROLLED_BACK);
        assertThat(seen).extracting(TaskEvent::sequence)
                .as("each event once, in order").isSorted().doesNotHaveDuplicates();
        TaskOutcome outcome = handle.await(WAIT);
        assertThat(outcome.state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(outcome.reason()).startsWith("REQUESTED_FAILURE");
        // Watching it again after its end replays the recorded timeline.
        List<TaskEvent> again = new CopyOnWriteArrayList<>();
        assertThat(stackl.watch(handle.taskId(), again::add, WAIT).state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(again).extracting(TaskEvent::state).contains(TaskState.FAILED, TaskState.ROLLED_BACK);
    }

    @Test
    void shouldCancelARunningTaskWhichThenRollsBack() {
        TaskHandle handle = stackl.submit(Submission.of("noop", "sleep").argument("ms", 20_000));
        Awaitility.await().atMost(WAIT).until(() -> handle.get().state() == TaskState.DISPATCHED);

        handle.cancel("client e2e");

        TaskOutcome outcome = handle.await(WAIT);
        assertThat(outcome.state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(outcome.reason()).contains("client e2e");
    }

    @Test
    void shouldReportEachWayATaskEnds() {
        assertThat(stackl.run(Submission.of("noop", "run").argument("x", 1), WAIT).output().path("x").asInt())
                .isEqualTo(1);
        TaskOutcome rejected = stackl.run(Submission.of("payments", "run"), WAIT);
        assertThat(rejected.state()).isEqualTo(TaskState.REJECTED);
        assertThat(rejected.reason()).startsWith("UNKNOWN_TOPIC");
        TaskHandle slow = stackl.submit(Submission.of("noop", "sleep").argument("ms", 4_000));
        assertThatThrownBy(() -> slow.await(Duration.ofMillis(500))).isInstanceOf(AwaitTimeoutException.class)
                .satisfies(e -> assertThat(((AwaitTimeoutException) e).lastState().isTerminal()).isFalse());
        assertThat(slow.await(WAIT).succeeded()).isTrue();
    }

    @Test
    void shouldReturnTheFirstTaskForARepeatedIdempotencyKey() {
        String key = "client-e2e-" + UUID.randomUUID();
        TaskHandle first = stackl.submit(Submission.of("noop", "run").idempotencyKey(key), WAIT);
        TaskHandle second = stackl.submit(Submission.of("noop", "run").idempotencyKey(key), WAIT);

        assertThat(first.duplicate()).isFalse();
        assertThat(second.duplicate()).isTrue();
        assertThat(second.taskId()).isEqualTo(first.taskId());
    }

    /**
     * A repeat of an idempotency key sent without waiting is answered 202 with a task of its own, which the broker then
     * rejects as a DUPLICATE of the first (what a client's retry after a 503 whose first try landed after all gets):
     * await and watch follow it to the first task. Which of the two the broker takes first is its to decide (they
     * travel on different partitions until the key's own): awaiting either ends at the one that ran.
     */
    @Test
    void shouldFollowARepeatThatTheBrokerRejectedAsADuplicateToTheFirstTask() {
        String key = "client-e2e-repeat-" + UUID.randomUUID();
        TaskHandle first = stackl.submit(Submission.of("noop", "sleep").argument("ms", 1_500).idempotencyKey(key));
        TaskHandle repeat = stackl.submit(Submission.of("noop", "sleep").argument("ms", 1_500).idempotencyKey(key));
        assertThat(repeat.taskId()).isNotEqualTo(first.taskId());

        TaskOutcome outcome = repeat.await(WAIT);
        assertThat(first.await(WAIT).taskId()).as("both end at the task that ran").isEqualTo(outcome.taskId());
        assertThat(outcome.state()).isEqualTo(TaskState.SUCCEEDED);
        String ran = outcome.taskId();
        String repeated = ran.equals(first.taskId()) ? repeat.taskId() : first.taskId();
        TaskOutcome rejected = stackl.result(repeated);
        assertThat(rejected.duplicate()).isTrue();
        assertThat(rejected.rejectionCode()).isEqualTo("DUPLICATE");
        assertThat(rejected.relatedTaskId()).isEqualTo(ran);
        List<TaskEvent> watched = new CopyOnWriteArrayList<>();
        TaskEvent end = stackl.watch(repeated, watched::add, WAIT);
        assertThat(end.taskId()).isEqualTo(ran);
        assertThat(end.state()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(watched).extracting(TaskEvent::state).contains(TaskState.REJECTED, TaskState.SUCCEEDED);
    }

    @Test
    void shouldRaiseTypedProblemsNamingTheField() {
        assertThatThrownBy(() -> stackl.submit(Submission.of("noop", "run").timeout(Duration.ofDays(3000))))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.type()).isEqualTo("/problems/invalid-task");
                    assertThat(e.field()).isEqualTo("timeoutMs");
                });
        assertThatThrownBy(() -> stackl.get("no-such-task-" + UUID.randomUUID()))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.type()).isEqualTo("/problems/task-not-found"));
        assertThatThrownBy(() -> stackl.list(TaskQuery.all().limit(100_000)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.detail()).contains("limit"));
    }

    @Test
    void shouldListTasksAndTailEveryTasksEventsLive() throws Exception {
        String topicOfNoop = "noop";
        List<TaskEvent> tailed = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> tail = CompletableFuture.runAsync(
                () -> stackl.tail(topicOfNoop, null, tailed::add, Duration.ofSeconds(8)));
        // The stream is live from its start on (no replay): submit once the gateway is listening for it.
        Awaitility.await().atMost(WAIT).until(() -> suite.gatewayOpenListeners() >= 1);

        TaskHandle handle = stackl.submit(Submission.of("noop", "run"));
        assertThat(handle.await(WAIT).succeeded()).isTrue();
        tail.get();

        assertThat(tailed).filteredOn(e -> e.taskId().equals(handle.taskId())).extracting(TaskEvent::state)
                .contains(TaskState.SUBMITTED, TaskState.SUCCEEDED);
        assertThat(tailed).extracting(TaskEvent::topic).containsOnly(topicOfNoop);
        Awaitility.await().atMost(WAIT).until(() -> stackl.list(TaskQuery.all().topic("noop").limit(50)).stream()
                .map(Task::taskId).anyMatch(handle.taskId()::equals));
    }

    /**
     * Kafka frozen for longer than the gateway's send timeout: a client that may not retry gets the typed 503 with its
     * Retry-After; one that may retries after it, with the same idempotency key, and its task runs once Kafka is back.
     */
    @Test
    void shouldRetryA503AfterItsRetryAfterWhileKafkaIsFrozen() throws Exception {
        StacklClient noRetries = StacklClient.builder().baseUrl(suite.gateway.url()).maxRetries(0).build();
        StacklClient retrying = StacklClient.builder().baseUrl(suite.gateway.url()).maxRetries(10).build();
        CompletableFuture<Void> frozen = CompletableFuture.runAsync(
                () -> Suite.stall(suite.infra.kafka().pid(), Duration.ofSeconds(9)));
        try {
            // Submit only once Kafka is stopped (state T in /proc), so that the submissions meet it frozen.
            Awaitility.await().atMost(WAIT).until(() -> Suite.stopped(suite.infra.kafka().pid()));
            CompletableFuture<TaskHandle> patient = CompletableFuture.supplyAsync(
                    () -> retrying.submit(Submission.of("noop", "run").argument("patient", true)));
            assertThatThrownBy(() -> noRetries.submit(Submission.of("noop", "run")))
                    .isInstanceOfSatisfying(UnavailableException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.type()).isEqualTo("/problems/temporarily-unavailable");
                        assertThat(e.retryAfter()).isNotNull();
                    });
            TaskHandle handle = patient.get();
            // A retry whose first try reached Kafka after all is a repeat of its key: await follows it to the first.
            TaskOutcome outcome = retrying.await(handle.taskId(), WAIT);
            assertThat(outcome.state()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(outcome.output().path("patient").asBoolean()).isTrue();
        } finally {
            frozen.get();
            noRetries.close();
            retrying.close();
        }
    }
}

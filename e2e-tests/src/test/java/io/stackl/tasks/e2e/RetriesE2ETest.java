package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Retries on the whole suite (ADR 0012): each failed attempt is undone (its document writes restored, its external
 * actions compensated) under the task's locks before the next attempt runs, and the invariant checker finds nothing
 * of a failed attempt left. Each scenario prints its timeline from {@code task-events}.
 */
@Tag("e2e")
class RetriesE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static Suite suite;

    private final List<String> tasks = new CopyOnWriteArrayList<>();
    private final String prefix = "retries/" + UUID.randomUUID().toString().substring(0, 8) + "/";

    @BeforeAll
    static void start() {
        suite = Suite.get();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> suite.post("/tasks?wait=5", Map.of("topic", "noop", "subtype", "run")).status() == 200);
    }

    @Test
    void shouldSucceedOnTheThirdAttemptOfAFunctionThatFailsTwiceUndoingTheFirstTwo() throws Exception {
        Suite.Reply reply = submit(Map.of("topic", "http", "subtype", "call",
                "arguments", Map.of("failAttempts", 2, "order", 42),
                "retryPolicy", Map.of("maxAttempts", 3, "initialBackoffMs", 300, "jitter", 0)));

        String id = reply.body().path("taskId").asText();
        // Printed before any assertion: when the task does not succeed, its timeline says why (seen once in CI).
        List<TaskEvent> timeline = timeline("a function that fails twice", id);
        assertThat(reply.body().path("state").asText()).as(reply.body().toString()).isEqualTo("SUCCEEDED");
        assertThat(timeline).extracting(TaskEvent::getState).containsExactly(TaskState.SUBMITTED, TaskState.DISPATCHED,
                TaskState.FAILED, TaskState.ROLLING_BACK, TaskState.RETRY_WAITING, TaskState.DISPATCHED,
                TaskState.FAILED, TaskState.ROLLING_BACK, TaskState.RETRY_WAITING, TaskState.DISPATCHED,
                TaskState.SUCCEEDED);
        assertThat(timeline.stream().filter(e -> e.getState() == TaskState.DISPATCHED).map(TaskEvent::getAttempt))
                .containsExactly(1, 2, 3);
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(suite.functions.actionCalls(id + ":" + attempt)).as("attempt %d called once", attempt)
                    .isEqualTo(1);
        }
        // The undo recorded before each failed call ran once; the successful call's was not undone.
        assertThat(suite.functions.undoKeysOf(List.of(id))).hasSize(2);
        assertInvariants(List.of());
    }

    @Test
    void shouldRestoreEveryAttemptsWritesWhenAllAttemptsTimeOut() throws Exception {
        String key = prefix + "written-by-every-attempt";
        Map<String, Object> task = putThenWait(key, 10_000, 1_500, 200);

        Suite.Reply reply = submit(task);

        List<TaskEvent> timeline = timeline("every attempt times out", reply.body().path("taskId").asText());
        assertThat(reply.body().path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(timeline).extracting(TaskEvent::getState).containsExactly(TaskState.SUBMITTED,
                TaskState.WAITING_FOR_LOCKS, TaskState.DISPATCHED, TaskState.TIMED_OUT, TaskState.ROLLING_BACK,
                TaskState.RETRY_WAITING, TaskState.DISPATCHED, TaskState.TIMED_OUT, TaskState.ROLLING_BACK,
                TaskState.ROLLED_BACK);
        assertThat(suite.get("/documents/" + key).status()).as("written twice, restored twice").isEqualTo(404);
        assertInvariants(List.of(key));
    }

    @Test
    void shouldStillRetryAfterTheBrokerCrashedDuringTheBackoff() throws Exception {
        Suite.Reply accepted = submit(Map.of("topic", "http", "subtype", "call",
                "arguments", Map.of("failAttempts", 1),
                "retryPolicy", Map.of("maxAttempts", 2, "initialBackoffMs", 8_000, "jitter", 0)), "/tasks?wait=0");
        String id = accepted.body().path("taskId").asText();
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                EventsTopic.get(suite).catchUp().getOrDefault(id, List.of()).stream()
                        .anyMatch(e -> e.getState() == TaskState.RETRY_WAITING));

        suite.crashAndRestart(suite.broker);

        suite.awaitResult(id, "SUCCEEDED", WAIT);
        List<TaskEvent> timeline = timeline("the broker crashed during the backoff", id);
        assertThat(timeline.get(timeline.size() - 1).getAttempt()).isEqualTo(2);
        TaskEvent waiting = timeline.stream().filter(e -> e.getState() == TaskState.RETRY_WAITING).findFirst()
                .orElseThrow();
        TaskEvent second = timeline.stream().filter(e -> e.getState() == TaskState.DISPATCHED && e.getAttempt() == 2)
                .findFirst().orElseThrow();
        assertThat(second.getOccurredAt()).as("never before the backoff's end").isAfterOrEqualTo(waiting.getDeadline());
        assertInvariants(List.of());
    }

    @Test
    void shouldRunTheNextAttemptOnAnotherWorkerWhenTheFirstDiedMidAttempt() throws Exception {
        String key = prefix + "written-before-the-worker-died";
        // A timeout long enough for the second worker to start and take the item of attempt 2 within it.
        Map<String, Object> task = putThenWait(key, 2_000, 25_000, 500);
        ServiceProcess first = suite.worker;
        ServiceProcess second = null;
        boolean killed = false;
        try {
            String id = submit(task, "/tasks?wait=0").body().path("taskId").asText();
            // Mid-attempt: attempt 1 has written and is still running (its wait), when its worker dies.
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> suite.get("/documents/" + key).status() == 200);
            first.kill();
            killed = true;
            // The other worker starts only once attempt 1 has timed out: a worker that took the partition earlier
            // would run attempt 1 again (a redelivery, same token) instead of its retry.
            Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() ->
                    EventsTopic.get(suite).catchUp().getOrDefault(id, List.of()).stream()
                            .anyMatch(e -> e.getState() == TaskState.TIMED_OUT));
            second = suite.startAnother("worker-service");

            suite.awaitResult(id, "SUCCEEDED", WAIT);
            List<TaskEvent> timeline = timeline("a worker killed mid-attempt", id);
            JsonNode attempts = attemptsOf(id);
            System.out.println("Attempts (GET /tasks/" + id + "): " + attempts.toPrettyString());

            assertThat(timeline).extracting(TaskEvent::getState).containsExactly(TaskState.SUBMITTED,
                    TaskState.WAITING_FOR_LOCKS, TaskState.DISPATCHED, TaskState.TIMED_OUT, TaskState.ROLLING_BACK,
                    TaskState.RETRY_WAITING, TaskState.DISPATCHED, TaskState.SUCCEEDED);
            assertThat(attempts).hasSize(2);
            assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("TIMED_OUT");
            assertThat(attempts.get(0).path("worker").isNull()).as("the dead worker sent nothing").isTrue();
            assertThat(attempts.get(0).path("undoneAt").isTextual()).isTrue();
            assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("SUCCEEDED");
            assertThat(attempts.get(1).path("worker").path("id").asText()).as("attempt 2 ran on the other worker")
                    .startsWith(second.pid() + "@");
            assertThat(Suite.JSON.readTree(suite.get("/documents/" + key).body().path("valueJson").asText())
                    .path("v").asInt()).as("attempt 2's write, attempt 1's undone first").isEqualTo(1);
            assertInvariants(List.of(key));
        } finally {
            if (killed) {
                suite.restart(first);
            }
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void shouldListEachAttemptInTheTaskWithItsOutcomeAndWorker() {
        Suite.Reply reply = submit(Map.of("topic", "http", "subtype", "call",
                "arguments", Map.of("failAttempts", 1),
                "retryPolicy", Map.of("maxAttempts", 3, "initialBackoffMs", 200, "jitter", 0)));
        String id = reply.body().path("taskId").asText();

        JsonNode attempts = Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> attemptsOf(id), a -> a.size() == 2 && !a.get(1).path("worker").isNull());

        assertThat(attempts.get(0).path("attempt").asInt()).isEqualTo(1);
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("FAILED");
        assertThat(attempts.get(0).path("failureCode").asText()).isEqualTo("HTTP_503");
        assertThat(attempts.get(0).path("worker").path("succeeded").asBoolean(true)).isFalse();
        assertThat(Instant.parse(attempts.get(0).path("nextAttemptAt").asText()))
                .isBeforeOrEqualTo(Instant.parse(attempts.get(1).path("dispatchedAt").asText()));
        assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(attempts.get(1).path("fencingToken").asLong())
                .isGreaterThan(attempts.get(0).path("fencingToken").asLong());
    }

    /** {@code attempts} of GET /tasks/{id}, through the gateway. */
    private static JsonNode attemptsOf(String taskId) {
        Suite.Reply task = suite.get("/tasks/" + taskId);
        assertThat(task.status()).as(task.body().toString()).isEqualTo(200);
        return task.body().path("attempts");
    }

    /**
     * A {@code document/batch} task that puts {@code {"v": 1}} at {@code key}, then waits {@code waitMs}; two attempts
     * with a fixed backoff.
     */
    private static Map<String, Object> putThenWait(String key, int waitMs, int timeoutMs, int backoffMs) {
        return Map.of("topic", "document", "subtype", "batch", "changedDocumentKeys", List.of(key),
                "arguments", Map.of("operations", List.of(Map.of("op", "put", "key", key, "value", Map.of("v", 1)),
                        Map.of("op", "wait", "ms", waitMs))),
                "timeoutMs", timeoutMs,
                "retryPolicy", Map.of("maxAttempts", 2, "initialBackoffMs", backoffMs, "jitter", 0));
    }

    private Suite.Reply submit(Map<String, Object> task) {
        return submit(task, "/tasks?wait=60");
    }

    private Suite.Reply submit(Map<String, Object> task, String path) {
        Suite.Reply reply = suite.post(path, task);
        assertThat(reply.status()).as(reply.body().toString()).isIn(200, 202);
        tasks.add(reply.body().path("taskId").asText());
        return reply;
    }

    /** The task's events as {@code task-events} holds them, printed as its timeline. */
    private static List<TaskEvent> timeline(String scenario, String taskId) {
        List<TaskEvent> events = EventsTopic.get(suite).catchUp().getOrDefault(taskId, List.of());
        System.out.println("Timeline, " + scenario + " (" + taskId + "):");
        long start = events.isEmpty() ? 0 : events.get(0).getOccurredAt().toEpochMilli();
        for (TaskEvent e : events) {
            System.out.printf("  +%6d ms  %-16s attempt %d token %d%s%n", e.getOccurredAt().toEpochMilli() - start,
                    e.getState(), e.getAttempt(), e.getFencingToken(), e.getReason() == null ? "" : "  " + e.getReason());
        }
        return events;
    }

    private void assertInvariants(List<String> keys) throws Exception {
        InvariantChecker checker = new InvariantChecker(suite);
        checker.awaitAllEnded(tasks, WAIT);
        Map<String, Long> violations = checker.check(tasks, prefix, List.of(), keys);
        assertThat(violations).allSatisfy((invariant, count) -> assertThat(count).as(invariant).isZero());
    }
}

package io.stackl.tasks.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The parts of the client that need no suite; everything else runs against the suite in ClientE2ETest. Where a race
 * with the suite's timing matters, a local HTTP server plays the gateway.
 */
class StacklClientTest {

    @Test
    void shouldReplayTheWholeTimelineOfAnEndedTaskEvenWhileTheHistoryIsStillRecordingIt() throws Exception {
        // The gateway knows the task has ended (the broker says so) while the history service has recorded only its
        // first event; two reads later, all of them.
        AtomicInteger reads = new AtomicInteger();
        HttpServer gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/tasks/t-1", exchange -> {
            boolean stream = exchange.getRequestURI().getPath().endsWith("/events");
            String body = stream ? "data: {\"taskId\":\"t-1\",\"state\":\"ROLLED_BACK\"}\n\n"
                    : "{\"taskId\":\"t-1\",\"state\":\"ROLLED_BACK\",\"events\":["
                            + event(1, "SUBMITTED") + (reads.incrementAndGet() < 3 ? ""
                                    : "," + event(2, "FAILED") + "," + event(3, "ROLLED_BACK")) + "]}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", stream ? "text/event-stream" : "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        gateway.start();
        try (StacklClient client = StacklClient.builder()
                .baseUrl("http://127.0.0.1:" + gateway.getAddress().getPort()).build()) {
            List<TaskEvent> seen = new CopyOnWriteArrayList<>();

            TaskEvent end = client.watch("t-1", seen::add, Duration.ofSeconds(10));

            assertThat(end.state()).isEqualTo(TaskState.ROLLED_BACK);
            assertThat(seen).extracting(TaskEvent::state)
                    .containsExactly(TaskState.SUBMITTED, TaskState.FAILED, TaskState.ROLLED_BACK);
            assertThat(seen).extracting(TaskEvent::sequence).containsExactly(1, 2, 3);
        } finally {
            gateway.stop(0);
        }
    }

    private static String event(int sequence, String state) {
        return "{\"sequence\":" + sequence + ",\"state\":\"" + state + "\"}";
    }

    @Test
    void shouldBuildTheBodyThatTheGatewayReads() {
        Submission submission = Submission.of("document", "put").argument("key", "stacks/web")
                .argument("value", Map.of("replicas", 3)).changes("stacks/web").timeout(Duration.ofSeconds(30))
                .queueTimeout(Duration.ofMinutes(2)).retryPolicy(Map.of("maxAttempts", 3));

        assertThat(submission.body().toString()).isEqualTo("{\"topic\":\"document\",\"subtype\":\"put\","
                + "\"arguments\":{\"key\":\"stacks/web\",\"value\":{\"replicas\":3}},"
                + "\"changedDocumentKeys\":[\"stacks/web\"],\"queueTimeoutMs\":120000,\"timeoutMs\":30000,"
                + "\"retryPolicy\":{\"maxAttempts\":3}}");
        assertThatThrownBy(() -> Submission.of("noop", "run").arguments(List.of(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldEncodePathsButKeepTheSlashesOfDocumentKeys() {
        assertThat(StacklClient.keyPath("stacks/web app/ä")).isEqualTo("stacks/web%20app/%C3%A4");
        assertThat(StacklClient.segment("a/b c")).isEqualTo("a%2Fb%20c");
    }

    @Test
    void shouldReadRetryAfterInSecondsOrAsADate() {
        assertThat(StacklClient.retryAfter(headers("Retry-After", "3"))).isEqualTo(Duration.ofSeconds(3));
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(10));
        assertThat(StacklClient.retryAfter(headers("Retry-After", inTenSeconds)))
                .isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        assertThat(StacklClient.retryAfter(headers("Retry-After", "soon"))).isNull();
        assertThat(StacklClient.retryAfter(headers("X-Other", "1"))).isNull();
    }

    @Test
    void shouldTypeProblemsByStatusAndKeepTheirFields() {
        var body = Json.parse("{\"type\":\"/problems/invalid-task\",\"title\":\"Invalid task\",\"status\":400,"
                + "\"detail\":\"timeoutMs must be at most 86400000 ms\",\"field\":\"timeoutMs\"}");
        ProblemException problem = ProblemException.of(400, body, null);

        assertThat(problem).isInstanceOf(InvalidRequestException.class);
        assertThat(problem.field()).isEqualTo("timeoutMs");
        assertThat(problem.getMessage()).isEqualTo("400 /problems/invalid-task: timeoutMs must be at most 86400000 ms");
        assertThat(ProblemException.of(503, null, Duration.ofSeconds(1))).isInstanceOf(UnavailableException.class);
        assertThat(ProblemException.of(404, null, null)).isInstanceOf(NotFoundException.class);
        assertThat(ProblemException.of(403, null, null)).isInstanceOf(AuthenticationException.class);
        assertThat(ProblemException.of(409, null, null).getClass()).isEqualTo(ProblemException.class);
    }

    @Test
    void shouldReadOutcomesEventsAndDocumentsOfEitherForm() {
        TaskOutcome outcome = TaskOutcome.of(Json.parse("{\"taskId\":\"t\",\"state\":\"ROLLED_BACK\",\"output\":null,"
                + "\"failure\":{\"code\":\"HTTP_503\",\"message\":\"down\",\"retryable\":true},\"reason\":\"r\"}"));
        assertThat(outcome.state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.failure()).isEqualTo(new Failure("HTTP_503", "down", true));
        assertThat(TaskState.of("SOMETHING_NEWER")).isEqualTo(TaskState.UNKNOWN);
        assertThat(TaskState.ROLLBACK_FAILED.isTerminal()).isTrue();
        assertThat(TaskState.RETRY_WAITING.isTerminal()).isFalse();
        // A gateway before ADR 0013 sent a document's JSON as a string.
        Document old = Document.of(Json.parse("{\"key\":\"k\",\"valueJson\":\"{\\\"n\\\": 0.1}\",\"version\":2}"));
        assertThat(old.value().path("n").decimalValue()).isEqualByComparingTo("0.1");
        Document current = Document.of(Json.parse("{\"key\":\"k\",\"value\":{\"n\":1},\"version\":3,"
                + "\"updatedAt\":\"2026-12-01T01:00:00Z\"}"));
        assertThat(current.value().path("n").asInt()).isEqualTo(1);
        assertThat(current.updatedAt()).hasToString("2026-12-01T01:00:00Z");
    }

    private static HttpHeaders headers(String name, String value) {
        return HttpHeaders.of(Map.of(name, List.of(value)), (a, b) -> true);
    }
}

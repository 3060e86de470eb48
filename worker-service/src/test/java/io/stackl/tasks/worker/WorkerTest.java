package io.stackl.tasks.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The worker on the real Kafka broker and the real history service (a separate process); the test plays the broker:
 * it announces the dispatch on {@code task-events}, sends the work item, and reads the result.
 */
@QuarkusTest
@QuarkusTestResource(value = HistoryAndEndpointResource.class, restrictToAnnotatedClass = false)
class WorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "tasks.schema-registry.url")
    String registryUrl;

    @ConfigProperty(name = "tasks.worker.history-url")
    String historyUrl;

    /** What the test reads from the history service, it reads as the gateway does. */
    @ConfigProperty(name = "TASKS_HISTORY_TOKEN_GATEWAY")
    String historyReadToken;

    @ConfigProperty(name = "test.endpoint.url")
    String endpointUrl;

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry meters;

    @Test
    void shouldPutPatchAndDeleteDocumentsThroughTheHistoryService() throws Exception {
        String key = "worker-test/" + UUID.randomUUID();

        TaskResult put = run(item("document", "put", "{\"key\":\"" + key + "\",\"value\":{\"a\":1,\"b\":{\"c\":2}}}", key));
        TaskResult create = run(item("document", "create", "{\"key\":\"" + key + "\",\"value\":{}}", key));
        TaskResult patch = run(item("document", "patch",
                "{\"key\":\"" + key + "\",\"value\":{\"b\":{\"c\":null,\"d\":3},\"e\":true}}", key));
        String afterPatch = get(historyUrl + "/documents/" + key);
        TaskResult delete = run(item("document", "delete", "{\"key\":\"" + key + "\"}", key));

        assertThat(put.getSucceeded()).isTrue();
        assertThat(put.getOutputJson()).contains("\"version\":1");
        assertThat(create.getSucceeded()).isFalse();
        assertThat(create.getFailure().getCode()).isEqualTo("ALREADY_EXISTS");
        assertThat(patch.getSucceeded()).as(String.valueOf(patch.getFailure())).isTrue();
        assertThat(afterPatch).contains("\\\"a\\\": 1").contains("\\\"d\\\": 3").contains("\\\"e\\\": true")
                .doesNotContain("\\\"c\\\"");
        assertThat(delete.getSucceeded()).isTrue();
        assertThat(status(historyUrl + "/documents/" + key)).isEqualTo(404);
    }

    /**
     * A slow item holds its own slot and nothing else: a fast item taken after it, from the same partition, has its
     * result sent while the slow one still runs.
     */
    @Test
    void shouldAnswerAFastItemWhileASlowOneBesideItStillRuns() throws Exception {
        WorkItem slow = item("noop", "sleep", "{\"ms\":4000}");
        WorkItem fast = item("noop", "run", "{}");
        announce(slow);
        announce(fast);
        // The same record key puts both on one partition, the slow one first.
        send(Topics.workTopic("noop"), slow.getTaskId(), slow);
        send(Topics.workTopic("noop"), slow.getTaskId(), fast);

        List<TaskResult> seen = read(Topics.TASK_RESULTS.name(), TaskResult.class,
                results -> results.stream().anyMatch(r -> r.getTaskId().equals(fast.getTaskId())));

        assertThat(seen).filteredOn(r -> r.getTaskId().equals(fast.getTaskId())).singleElement()
                .satisfies(r -> assertThat(r.getSucceeded()).isTrue());
        assertThat(seen).as("the slow item's result, when the fast one's came")
                .noneMatch(r -> r.getTaskId().equals(slow.getTaskId()));
        assertThat(read(Topics.TASK_RESULTS.name(), TaskResult.class,
                results -> results.stream().anyMatch(r -> r.getTaskId().equals(slow.getTaskId()))))
                .filteredOn(r -> r.getTaskId().equals(slow.getTaskId())).singleElement()
                .satisfies(r -> assertThat(r.getSucceeded()).isTrue());
    }

    /**
     * A batch sends its changes in one call: later operations read what earlier ones changed (the patch sees the put
     * it follows, though nothing is written yet), every change is snapshotted in order, and a refused change refuses
     * the whole call, so nothing of it is written.
     */
    @Test
    void shouldWriteABatchAllOrNoneAndLetItReadItsOwnChanges() throws Exception {
        String run = "worker-test/batch-" + UUID.randomUUID();
        String first = run + "/first";
        String second = run + "/second";
        String doomed = run + "/doomed";
        assertThat(run(item("document", "put", "{\"key\":\"" + doomed + "\",\"value\":{\"old\":true}}", doomed))
                .getSucceeded()).isTrue();

        WorkItem batch = item("document", "batch", "{\"operations\":["
                + "{\"op\":\"put\",\"key\":\"" + first + "\",\"value\":{\"n\":1}},"
                + "{\"op\":\"patch\",\"key\":\"" + first + "\",\"value\":{\"m\":2}},"
                + "{\"op\":\"put\",\"key\":\"" + second + "\",\"value\":[1,2]},"
                + "{\"op\":\"delete\",\"key\":\"" + doomed + "\"}]}", first, second, doomed);
        TaskResult done = run(batch);

        assertThat(done.getSucceeded()).as(String.valueOf(done.getFailure())).isTrue();
        assertThat(done.getOutputJson()).contains("\"applied\":4");
        assertThat(get(historyUrl + "/documents/" + first)).contains("\\\"n\\\": 1").contains("\\\"m\\\": 2")
                .contains("\"version\":2");
        assertThat(get(historyUrl + "/documents/" + second)).contains("[1, 2]");
        assertThat(status(historyUrl + "/documents/" + doomed)).isEqualTo(404);
        String snapshots = get(historyUrl + "/tasks/" + batch.getTaskId() + "/snapshots");
        assertThat(snapshots.indexOf(first)).isLessThan(snapshots.lastIndexOf(first));
        assertThat(snapshots.lastIndexOf(first)).isLessThan(snapshots.indexOf(second));
        assertThat(snapshots.indexOf(second)).isLessThan(snapshots.indexOf(doomed));

        // The second key is not declared by this task: the history service refuses the call, so the first put,
        // sent in the same call, is not written either.
        WorkItem refused = item("document", "batch", "{\"operations\":["
                + "{\"op\":\"put\",\"key\":\"" + first + "\",\"value\":{\"n\":99}},"
                + "{\"op\":\"put\",\"key\":\"" + run + "/undeclared\",\"value\":{}}]}", first);
        TaskResult refusedResult = run(refused);

        assertThat(refusedResult.getSucceeded()).isFalse();
        assertThat(refusedResult.getFailure().getCode()).isEqualTo("WRITE_REFUSED");
        assertThat(get(historyUrl + "/documents/" + first)).contains("\"version\":2")
                .contains("\\\"n\\\": 1");
        assertThat(get(historyUrl + "/tasks/" + refused.getTaskId() + "/snapshots")).isEqualTo("[]");
    }

    /**
     * A batch whose operation fails after some changes were decided writes those changes first, so the task's
     * rollback has them to undo, as it did when each change was its own call.
     */
    @Test
    void shouldWriteABatchsEarlierChangesBeforeItsFailingOperation() throws Exception {
        String run = "worker-test/batch-fails-" + UUID.randomUUID();
        WorkItem batch = item("document", "batch", "{\"operations\":["
                + "{\"op\":\"put\",\"key\":\"" + run + "/a\",\"value\":{\"n\":1}},"
                + "{\"op\":\"patch\",\"key\":\"" + run + "/missing\",\"value\":{\"n\":2}}]}",
                run + "/a", run + "/missing");
        TaskResult result = run(batch);

        assertThat(result.getSucceeded()).isFalse();
        assertThat(result.getFailure().getCode()).isEqualTo("NOT_FOUND");
        assertThat(get(historyUrl + "/documents/" + run + "/a")).contains("\"version\":1");
        assertThat(get(historyUrl + "/tasks/" + batch.getTaskId() + "/snapshots")).contains(run + "/a")
                .doesNotContain(run + "/missing");
    }

    /**
     * Issue 20, finding 2: a work item delivered twice (a redelivery after a crash or a failed offset commit) runs twice
     * under the same token; only the first run may write, so the increment is applied once.
     */
    @Test
    void shouldApplyAnAttemptOnceThoughItsWorkItemIsDeliveredTwice() throws Exception {
        String key = "worker-test/twice-" + UUID.randomUUID();
        WorkItem increment = item("document", "increment", "{\"key\":\"" + key + "\"}", key);
        double secondRunsBefore = secondRuns();

        announce(increment);
        send(Topics.workTopic("document"), increment.getTaskId(), increment);
        send(Topics.workTopic("document"), increment.getTaskId(), increment);
        // The second delivery is refused either as a second run while the first runs (then it sends nothing: only the
        // execution that claimed the attempt may end it) or as a write after the attempt's result was in.
        List<TaskResult> results = read(Topics.TASK_RESULTS.name(), TaskResult.class, seen -> {
            List<TaskResult> mine = seen.stream().filter(r -> r.getTaskId().equals(increment.getTaskId())).toList();
            return mine.stream().anyMatch(TaskResult::getSucceeded)
                    && (mine.size() == 2 || secondRuns() > secondRunsBefore);
        }).stream().filter(r -> r.getTaskId().equals(increment.getTaskId())).toList();

        assertThat(results).filteredOn(TaskResult::getSucceeded).hasSize(1);
        assertThat(results).filteredOn(r -> !r.getSucceeded()).allSatisfy(r -> {
            assertThat(r.getFailure().getCode()).isEqualTo("WRITE_REFUSED");
            assertThat(r.getFailure().getMessage()).contains("sealed").doesNotContain("second run");
        });
        assertThat(get(historyUrl + "/documents/" + key)).contains("\\\"value\\\": 1");
    }

    private double secondRuns() {
        var counter = meters.find(io.stackl.tasks.worker.metrics.WorkerMetrics.SECOND_RUNS).tag("task.topic", "document")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void shouldReportAThrowingHandlerAsARetryableFailure() throws Exception {
        TaskResult result = run(item("noop", "throw", "{}"));

        assertThat(result.getSucceeded()).isFalse();
        assertThat(result.getFailure().getCode()).isEqualTo("HANDLER_EXCEPTION");
        assertThat(result.getFailure().getRetryable()).isTrue();
    }

    @Test
    void shouldStopAHandlerAtItsDeadlineAndSendNoResult() throws Exception {
        WorkItem sleeper = item("noop", "sleep", "{\"ms\":20000}", Instant.now().plusMillis(1_500));
        WorkItem marker = item("noop", "run", "{}");

        announce(sleeper);
        send(Topics.workTopic("noop"), sleeper.getTaskId(), sleeper);
        announce(marker);
        send(Topics.workTopic("noop"), marker.getTaskId(), marker);
        List<TaskResult> results = read(Topics.TASK_RESULTS.name(), TaskResult.class,
                seen -> seen.stream().anyMatch(r -> r.getTaskId().equals(marker.getTaskId())));

        // The marker came after the sleeper: by the time its result is out, the sleeper was stopped, resultless.
        String sleeperId = sleeper.getTaskId();
        assertThat(results).noneMatch(r -> r.getTaskId().equals(sleeperId));
    }

    @Test
    void shouldCallTheHttpEndpointAndUndoThroughItOnRollback() throws Exception {
        // A short attempt, cancelled: its undo may not start before its deadline plus the history service's grace
        // (2 s), for the call might still be in flight.
        WorkItem call = item("http", "deploy", "{\"service\":\"web\"}", Instant.now().plusSeconds(3));

        TaskResult result = run(call);
        send(Topics.TASK_ROLLBACKS.name(), call.getTaskId(), RollbackCommand.newBuilder().setTaskId(call.getTaskId())
                .setTopic("http").setSubtype("deploy").setFencingToken(1).setCause(TaskState.CANCELLED)
                .setRequestedAt(Instant.now()).build());
        List<RollbackReport> reports = read(Topics.TASK_ROLLBACK_REPORTS.name(), RollbackReport.class,
                seen -> seen.stream().anyMatch(r -> r.getTaskId().equals(call.getTaskId())));
        String calls = get(endpointUrl + "/calls");

        assertThat(result.getSucceeded()).isTrue();
        assertThat(result.getOutputJson()).isEqualTo("{\"echo\":\"/call\"}");
        assertThat(reports).filteredOn(r -> r.getTaskId().equals(call.getTaskId())).singleElement()
                .satisfies(r -> assertThat(r.getRolledBack()).isTrue())
                .satisfies(r -> assertThat(r.getCompensatedActions()).isEqualTo(1));
        assertThat(calls).contains("/call key=" + call.getTaskId() + ":1 {")
                // Issue 20, finding 4: each undo record is its own undo for the external service to deduplicate.
                .contains("/undo key=" + call.getTaskId() + ":undo:1 {");
        // ... and it never overtakes the action's own call, which may run until the attempt's deadline.
        long undoneAt = calls.lines().filter(l -> l.startsWith("/undo key=" + call.getTaskId() + ":undo:1 "))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(" at=") + 4))).min().orElseThrow();
        assertThat(undoneAt).isGreaterThanOrEqualTo(call.getDeadline().plusSeconds(2).toEpochMilli());
    }

    @Test
    void shouldMapA5xxAnswerToARetryableFailure() throws Exception {
        TaskResult result = run(item("http", "deploy", "{\"mode\":\"fail500\"}"));

        assertThat(result.getSucceeded()).isFalse();
        assertThat(result.getFailure().getCode()).isEqualTo("HTTP_500");
        assertThat(result.getFailure().getRetryable()).isTrue();
    }

    // ---------------------------------------------------------------- acting as the broker

    private WorkItem item(String topic, String subtype, String arguments, String... keys) {
        return item(topic, subtype, arguments, Instant.now().plusSeconds(30), keys);
    }

    private WorkItem item(String topic, String subtype, String arguments, Instant deadline, String... keys) {
        String id = topic + "-" + UUID.randomUUID();
        return WorkItem.newBuilder().setTaskId(id).setKind(WorkKind.EXECUTE).setTopic(topic).setSubtype(subtype)
                .setArgumentsJson(arguments).setChangedDocumentKeys(List.of(keys)).setAttempt(1).setFencingToken(1)
                .setDeadline(deadline).setDispatchedAt(Instant.now()).setIdempotencyKey(id + ":1")
                .build();
    }

    private TaskResult run(WorkItem item) throws Exception {
        announce(item);
        send(Topics.workTopic(item.getTopic()), item.getTaskId(), item);
        return read(Topics.TASK_RESULTS.name(), TaskResult.class,
                seen -> seen.stream().anyMatch(r -> r.getTaskId().equals(item.getTaskId()))).stream()
                .filter(r -> r.getTaskId().equals(item.getTaskId())).findFirst().orElseThrow();
    }

    /** What the broker does at dispatch: the history service learns the token and keys from this event. */
    private void announce(WorkItem item) {
        TaskEvent dispatched = TaskEvent.newBuilder().setTaskId(item.getTaskId()).setSequence(1)
                .setState(TaskState.DISPATCHED).setTopic(item.getTopic()).setSubtype(item.getSubtype())
                .setOccurredAt(Instant.now()).setAttempt(1).setFencingToken(1).setDeadline(item.getDeadline())
                .setChangedDocumentKeys(item.getChangedDocumentKeys()).build();
        send(Topics.TASK_EVENTS.name(), item.getTaskId(), dispatched);
    }

    private <T extends SpecificRecord> void send(String topic, String key, T value) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl)) {
            kafka.send(topic, key, value);
        }
    }

    private <T extends SpecificRecord> List<T> read(String topic, Class<T> type, Predicate<List<T>> done) {
        try (var kafka = new KafkaTestClient(bootstrapServers, registryUrl)) {
            return kafka.read(topic, type, null, done, WAIT);
        }
    }

    private String get(String url) throws Exception {
        return HTTP.send(asGateway(url), HttpResponse.BodyHandlers.ofString()).body();
    }

    private int status(String url) throws Exception {
        return HTTP.send(asGateway(url), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpRequest asGateway(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + historyReadToken).build();
    }
}

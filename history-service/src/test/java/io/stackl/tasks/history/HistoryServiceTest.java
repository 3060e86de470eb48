package io.stackl.tasks.history;

import static io.restassured.RestAssured.given;
import static io.stackl.tasks.history.InternalCallers.asGateway;
import static io.stackl.tasks.history.InternalCallers.asWorker;
import static io.stackl.tasks.testkit.ServiceHealthContract.awaitReady;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.history.repository.DocumentRepository.Document;
import io.stackl.tasks.history.service.DocumentService;
import io.stackl.tasks.history.service.HistoryQueries;
import io.stackl.tasks.history.service.HistoryRecorder;
import io.stackl.tasks.history.service.RetentionPurge;
import io.stackl.tasks.history.service.RollbackService;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.schema.CompensationAction;
import io.stackl.tasks.schema.CompensationEvent;
import io.stackl.tasks.schema.CompensationOutcome;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.UndoRecord;
import io.stackl.tasks.schema.WorkKind;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/** The history service on the real PostgreSQL: migrations, fenced writes, the seal race, exact rollback. */
@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HistoryServiceTest {

    @Inject
    Flyway flyway;

    @Inject
    DataSource dataSource;

    @Inject
    HistoryRecorder recorder;

    @Inject
    DocumentService documents;

    @Inject
    RollbackService rollbacks;

    @Inject
    HistoryQueries queries;

    @Inject
    RetentionPurge purge;

    @Test
    void shouldMigrateAnEmptyDatabaseToTheCurrentSchema() throws SQLException {
        assertThat(flyway.info().current().getVersion().getVersion()).isEqualTo("5");
        assertThat(flyway.info().pending()).isEmpty();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.columns WHERE table_name ="
                        + " 'snapshots' AND column_name IN ('post_value', 'post_version', 'post_deleted')")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the post-images of ADR 0014").isEqualTo(3);
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name IN"
                        + " ('task_fences','documents','snapshots','task_events','tasks','task_results','rollbacks')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(7);
        }
    }

    @Test
    void shouldLetOnlyTheGatewayReadAndOnlyWorkersWriteEachWithItsOwnServiceToken() {
        String task = Tasks.newId("guarded");
        Map<String, Object> write = Map.of("taskId", task, "fencingToken", 1, "value", 1);
        given().get("/tasks").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer").body("type", equalTo("/problems/unauthorized"));
        given().header("Authorization", "Bearer not-a-token").get("/tasks").then().statusCode(401)
                .body("detail", equalTo("The service token is not valid"));
        // The broker's token for the gateway is a real service token, but not one for this service.
        InternalCallers.as("broker").get("/tasks").then().statusCode(401);
        given().contentType(ContentType.JSON).body(write).put("/documents/{key}", "docs/guarded").then()
                .statusCode(401);
        // Probes and scrapers need no token (readiness waits for the consumer groups, which may still be forming).
        awaitReady();
        given().get("/q/metrics").then().statusCode(200);

        // Workers write and read single documents; listings, timelines and snapshots are the gateway's.
        for (String read : List.of("/tasks", "/tasks/" + task, "/tasks/-/counts", "/tasks/" + task + "/snapshots",
                "/documents", "/documents/-/snapshots?key=docs/guarded")) {
            asWorker().get(read).then().statusCode(403).contentType("application/problem+json")
                    .body("type", equalTo("/problems/forbidden"));
        }
        asWorker().get("/documents/{key}", "docs/guarded").then().statusCode(404);
        asGateway().get("/tasks").then().statusCode(200);
        asGateway().get("/documents/{key}", "docs/guarded").then().statusCode(404);
        // The gateway writes nothing: its token cannot stand in for a worker's.
        asGateway().contentType(ContentType.JSON).body(write).put("/documents/{key}", "docs/guarded").then()
                .statusCode(403);
        asGateway().delete("/documents/{key}?taskId={t}&fencingToken=1", "docs/guarded", task).then()
                .statusCode(403);
        asGateway().contentType(ContentType.JSON).body(Map.of("fencingToken", 1, "changes", List.of()))
                .post("/tasks/{id}/document-writes", task).then().statusCode(403);
        asGateway().contentType(ContentType.JSON).body(Map.of("fencingToken", 1))
                .post("/tasks/{id}/undo-records", task).then().statusCode(403);
    }

    @Test
    void shouldSnapshotThenWriteAndRefuseWritesThatAreNotFenced() {
        String task = Tasks.newId("writer");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));

        asWorker().contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 1, "value", Map.of("n", 1)))
                .put("/documents/{key}", key).then().statusCode(200).body("version", equalTo(1));
        asWorker().contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 0, "value", Map.of("n", 2)))
                .put("/documents/{key}", key).then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("/problems/stale-fencing-token"));
        asWorker().contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 1, "value", Map.of("n", 3)))
                .put("/documents/{key}", "docs/not-declared").then().statusCode(409)
                .body("type", equalTo("/problems/undeclared-document-key"));
        asWorker().contentType(ContentType.JSON).body(Map.of("taskId", "never-dispatched", "fencingToken", 1, "value", 1))
                .put("/documents/{key}", key).then().statusCode(503).header("Retry-After", "1")
                .body("type", equalTo("/problems/task-not-yet-known"));

        asGateway().get("/documents/{key}", key).then().statusCode(200).body("valueJson", equalTo("{\"n\": 1}"))
                .body("value.n", equalTo(1));
        List<Map<String, Object>> snapshots = queries.snapshotsOfTask(task);
        assertThat(snapshots).singleElement().satisfies(s -> {
            assertThat(s.get("documentKey")).isEqualTo(key);
            assertThat(s.get("preValue")).isNull();
        });
    }

    /** Several writes in one call: one transaction, snapshotted in order, all or none, undone by the rollback. */
    @Test
    void shouldWriteSeveralDocumentsInOneCallAllOrNone() {
        String task = Tasks.newId("writes");
        String kept = "docs/" + task + "/kept";
        String gone = "docs/" + task + "/gone";
        recorder.recordEvents(Tasks.dispatched(task, List.of(kept, gone)));

        asWorker().contentType(ContentType.JSON).body(Map.of("fencingToken", 1, "changes", List.of(
                Map.of("key", kept, "value", Map.of("n", 1)), Map.of("key", gone, "value", "soon deleted"),
                Map.of("key", kept, "value", Map.of("n", 2)), Map.of("key", gone, "delete", true))))
                .post("/tasks/{id}/document-writes", task).then().statusCode(200)
                .body("results.version", equalTo(java.util.Arrays.asList(1, 1, 2, null)))
                .body("results.snapshotSequence", equalTo(List.of(1, 2, 3, 4)))
                .body("results.deleted", equalTo(List.of(false, false, false, true)));

        // The third change's key is not declared: the whole call is refused, the first two are not kept.
        asWorker().contentType(ContentType.JSON).body(Map.of("fencingToken", 1, "changes", List.of(
                Map.of("key", kept, "value", Map.of("n", 3)), Map.of("key", gone, "value", "back"),
                Map.of("key", "docs/not-declared", "value", 1))))
                .post("/tasks/{id}/document-writes", task).then().statusCode(409)
                .contentType("application/problem+json").body("type", equalTo("/problems/undeclared-document-key"));
        assertThat(documents.get(kept).valueJson()).isEqualTo("{\"n\": 2}");
        assertThatThrownBy(() -> documents.get(gone)).isInstanceOf(HistoryException.class);
        assertThat(queries.snapshotsOfTask(task)).hasSize(4);

        for (Object bad : List.of(Map.of("fencingToken", 1, "changes", List.of()),
                Map.of("fencingToken", 1, "changes", List.of(Map.of("key", kept))),
                Map.of("fencingToken", 1, "changes", List.of(Map.of("key", kept, "value", 1, "delete", true))),
                Map.of("changes", List.of(Map.of("key", kept, "value", 1))))) {
            asWorker().contentType(ContentType.JSON).body(bad).post("/tasks/{id}/document-writes", task).then()
                    .statusCode(400).contentType("application/problem+json");
        }
        asWorker().contentType(ContentType.JSON).body(Map.of("fencingToken", 1, "changes", List.of(
                Map.of("key", kept, "value", 1)))).post("/tasks/{id}/document-writes", "never-dispatched").then()
                .statusCode(503).body("type", equalTo("/problems/task-not-yet-known"));

        rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1));
        assertThatThrownBy(() -> documents.get(kept)).isInstanceOf(HistoryException.class);
        assertThatThrownBy(() -> documents.get(gone)).isInstanceOf(HistoryException.class);
    }

    @Test
    void shouldRefuseWritesFromATaskThatEnded() {
        String task = Tasks.newId("ended");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        recorder.recordEvents(List.of(Tasks.event(task, 3, TaskState.SUCCEEDED, 1, List.of(key))));

        assertThatThrownBy(() -> documents.put(key, task, 1, null, "{}"))
                .isInstanceOfSatisfying(HistoryException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("SUCCEEDED");
    }

    @Test
    void shouldRestoreTheExactPriorStateOnRollback() {
        String run = Tasks.newId("exact");
        String changed = run + "/changed";
        String deleted = run + "/deleted";
        String created = run + "/created";
        String setup = run + "-setup";
        recorder.recordEvents(Tasks.dispatched(setup, List.of(changed, deleted)));
        documents.put(changed, setup, 1, null, "{\"v\": \"original\"}");
        documents.put(changed, setup, 1, null, "{\"v\": \"original, version 2\"}");
        documents.put(deleted, setup, 1, null, "{\"keep\": true}");
        recorder.recordEvents(List.of(Tasks.event(setup, 3, TaskState.SUCCEEDED, 1, List.of())));
        Document changedBefore = documents.get(changed);
        Document deletedBefore = documents.get(deleted);

        String task = run + "-task";
        recorder.recordEvents(Tasks.dispatched(task, List.of(changed, deleted, created)));
        documents.put(changed, task, 1, null, "{\"v\": 1}");
        documents.put(created, task, 1, null, "{\"new\": true}");
        documents.put(changed, task, 1, null, "{\"v\": 2}");
        documents.delete(deleted, task, 1, null);
        documents.put(changed, task, 1, null, "{\"v\": 3}");

        RollbackService.Plan plan = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1));

        Document changedAfter = documents.get(changed);
        Document deletedAfter = documents.get(deleted);
        assertThat(changedAfter.valueJson()).isEqualTo(changedBefore.valueJson());
        assertThat(deletedAfter.valueJson()).isEqualTo(deletedBefore.valueJson());
        // Issue 20, finding 8: the value is put back, under a version number the key never had (it had 1 and 2 before
        // the task, 3, 4 and 5 from it), so that one version never names two values.
        assertThat(changedAfter.version()).isGreaterThan(5);
        assertThat(deletedAfter.version()).isGreaterThan(deletedBefore.version());
        assertThat(plan.compensations()).filteredOn(e -> e.getDocumentKey().equals(changed)).first()
                .satisfies(e -> assertThat(e.getRestoredVersion()).isLessThan(changedAfter.version()));
        assertThat(plan.compensations()).filteredOn(e -> e.getDocumentKey().equals(changed)).last()
                .satisfies(e -> assertThat(e.getRestoredVersion()).isEqualTo(changedAfter.version()));
        assertThatThrownBy(() -> documents.get(created)).isInstanceOf(HistoryException.class);
        assertThat(plan.report().getRolledBack()).isTrue();
        assertThat(plan.report().getRestoredDocuments()).isEqualTo(5);
        assertThat(plan.compensations()).extracting(CompensationEvent::getSnapshotSequence).containsExactly(5, 4, 3, 2, 1);
        assertThat(plan.compensations()).extracting(CompensationEvent::getAction).containsExactly(
                CompensationAction.DOCUMENT_RESTORED, CompensationAction.DOCUMENT_RESTORED,
                CompensationAction.DOCUMENT_RESTORED, CompensationAction.DOCUMENT_DELETED,
                CompensationAction.DOCUMENT_RESTORED);
    }

    @Test
    void shouldRestoreOnceWhenTheRollbackCommandIsDeliveredTwice() {
        String task = Tasks.newId("twice");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        documents.put(key, task, 1, null, "{\"x\": 1}");

        RollbackService.Plan first = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1));
        RollbackService.Plan second = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1));

        assertThat(first.compensations()).hasSize(1);
        // Restored once; what the first delivery owed Kafka is owed again (its sends may have been lost in a crash).
        assertThat(second.compensations()).extracting(CompensationEvent::getSnapshotSequence, CompensationEvent::getAction)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(first.compensations().get(0).getSnapshotSequence(),
                        first.compensations().get(0).getAction()));
        assertThat(second.report().getRolledBack()).isTrue();
        assertThat(second.report().getRestoredDocuments()).isEqualTo(1);
        assertThatThrownBy(() -> documents.get(key)).isInstanceOf(HistoryException.class);
    }

    /**
     * ADR 0012: a failed attempt is undone ahead of a retry. Its writes go, the next attempt (a higher token) writes
     * again, a command sent again for the first attempt neither seals the second nor reports, and the task's final
     * rollback undoes the second attempt's writes too, leaving the value from before the task.
     */
    @Test
    void shouldUndoEachAttemptOfARetriedTaskAndLetOnlyTheCurrentAttemptWrite() {
        String task = Tasks.newId("retried");
        String key = "docs/" + task;
        String setup = task + "-setup";
        recorder.recordEvents(Tasks.dispatched(setup, List.of(key)));
        documents.put(key, setup, 1, null, "{\"v\": \"before\"}");
        recorder.recordEvents(List.of(Tasks.event(setup, 3, TaskState.SUCCEEDED, 1, List.of())));

        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        documents.put(key, task, 1, null, "{\"v\": \"attempt 1\"}");
        RollbackCommand undoFirst = Tasks.rollback(task);
        undoFirst.setRetry(true);
        RollbackService.Plan first = rollbacks.rollback(undoFirst, Duration.ofMinutes(1));
        assertThat(documents.get(key).valueJson()).isEqualTo("{\"v\": \"before\"}");
        assertThat(first.report().getRolledBack()).isTrue();
        assertThat(first.report().getFencingToken()).isEqualTo(1);
        assertThatThrownBy(() -> documents.put(key, task, 1, null, "{\"v\": \"attempt 1, late\"}"))
                .isInstanceOf(HistoryException.class);

        recorder.recordEvents(List.of(Tasks.event(task, 3, TaskState.FAILED, 1, List.of(key)),
                Tasks.event(task, 4, TaskState.ROLLING_BACK, 1, List.of(key)),
                Tasks.event(task, 5, TaskState.RETRY_WAITING, 1, List.of(key)),
                attempt(Tasks.event(task, 6, TaskState.DISPATCHED, 2, List.of(key)), 2)));
        documents.put(key, task, 2, null, "{\"v\": \"attempt 2\"}");
        // The first attempt's command, delivered again: its stored report again, naming its token (the broker ignores
        // it for attempt 2), and no seal on attempt 2's fence.
        RollbackService.Plan again = rollbacks.rollback(undoFirst, Duration.ofMinutes(1));
        assertThat(again.report().getFencingToken()).isEqualTo(1);
        documents.put(key, task, 2, null, "{\"v\": \"attempt 2, second write\"}");

        RollbackCommand undoSecond = Tasks.rollback(task);
        undoSecond.setFencingToken(2);
        RollbackService.Plan last = rollbacks.rollback(undoSecond, Duration.ofMinutes(1));
        assertThat(last.report().getRolledBack()).isTrue();
        assertThat(last.report().getFencingToken()).isEqualTo(2);
        assertThat(last.report().getRestoredDocuments()).as("attempt 2's two writes; attempt 1's were restored").isEqualTo(2);
        assertThat(documents.get(key).valueJson()).isEqualTo("{\"v\": \"before\"}");
        assertThatThrownBy(() -> documents.put(key, task, 2, null, "{\"v\": \"after the end\"}"))
                .isInstanceOf(HistoryException.class);
        // Attempt 1's command once more, after attempt 2's rollback: nothing done, nothing reported.
        RollbackService.Plan stale = rollbacks.rollback(undoFirst, Duration.ofMinutes(1));
        assertThat(stale.report()).isNull();
        assertThat(stale.compensations()).isEmpty();
        assertThat(documents.get(key).valueJson()).isEqualTo("{\"v\": \"before\"}");
    }

    /**
     * A retry's first write can reach the history service before its DISPATCHED event, while the fence still holds
     * the previous attempt, sealed by that attempt's rollback (an e2e run failed this way: WRITE_REFUSED, "is
     * RETRY_WAITING and sealed"). The newer token is a dispatch not seen yet, to wait for, not a write into a sealed
     * attempt, refused for good.
     */
    @Test
    void shouldTellARetrysEarlyWriteToWaitForItsDispatchRatherThanRefuseIt() {
        String task = Tasks.newId("retry-early");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        RollbackCommand undoFirst = Tasks.rollback(task);
        undoFirst.setRetry(true);
        rollbacks.rollback(undoFirst, Duration.ofMinutes(1));

        assertThatThrownBy(() -> documents.put(key, task, 2, null, "{\"v\": \"attempt 2\"}"))
                .isInstanceOfSatisfying(HistoryException.class,
                        e -> assertThat(e.type()).isEqualTo(HistoryException.TASK_NOT_YET_KNOWN));
        recorder.recordEvents(List.of(attempt(Tasks.event(task, 6, TaskState.DISPATCHED, 2, List.of(key)), 2)));
        assertThat(documents.put(key, task, 2, null, "{\"v\": \"attempt 2\"}").version()).isNotNull();
        // The rolled-back attempt stays sealed.
        assertThatThrownBy(() -> documents.put(key, task, 1, null, "{\"v\": \"attempt 1, late\"}"))
                .isInstanceOf(HistoryException.class);
    }

    /**
     * Review of ADR 0012, finding 1: the rollback of attempt 2 may come before the history service has recorded
     * attempt 2's DISPATCHED event (two consumers). The event, when it comes, must not reopen the fence the rollback
     * closed: a late write of attempt 2 is refused.
     */
    @Test
    void shouldKeepAnAttemptSealedWhenItsDispatchIsRecordedAfterItsRollback() {
        String task = Tasks.newId("rollback-first");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        RollbackCommand undoFirst = Tasks.rollback(task);
        undoFirst.setRetry(true);
        rollbacks.rollback(undoFirst, Duration.ofMinutes(1));

        RollbackCommand undoSecond = Tasks.rollback(task);
        undoSecond.setFencingToken(2);
        undoSecond.setCause(TaskState.CANCELLED);
        rollbacks.rollback(undoSecond, Duration.ofMinutes(1));
        recorder.recordEvents(List.of(attempt(Tasks.event(task, 6, TaskState.DISPATCHED, 2, List.of(key)), 2)));

        assertThatThrownBy(() -> documents.put(key, task, 2, null, "{\"v\": \"attempt 2, late\"}"))
                .isInstanceOf(HistoryException.class).hasMessageContaining("sealed");
        assertThatThrownBy(() -> documents.get(key)).isInstanceOf(HistoryException.class);
    }

    /**
     * Review of ADR 0012, finding 2: an external action undone with its attempt is not handed out again by a later
     * attempt's rollback; only the later attempt's own undo records are.
     */
    @Test
    void shouldHandOutEachUndoRecordWithItsOwnAttemptsRollbackOnly() {
        String task = Tasks.newId("undo-per-attempt");
        recorder.recordEvents(Tasks.dispatchedOn("http", task));
        int firstUndo = documents.recordUndo(task, 1, null, "http", "call", "{\"call\": 1}");
        RollbackCommand undoFirst = Tasks.rollback(task);
        undoFirst.setRetry(true);
        RollbackService.Plan first = rollbacks.rollback(undoFirst, Duration.ofMinutes(1));
        assertThat(first.compensation().getUndoRecords()).extracting(UndoRecord::getSequence)
                .containsExactly(firstUndo);
        assertThat(first.compensation().getIdempotencyKey()).isEqualTo(task + ":compensate:1");
        RollbackService.Plan reported = rollbacks.compensated(TaskResult.newBuilder().setTaskId(task)
                .setKind(WorkKind.COMPENSATE).setAttempt(0).setFencingToken(1).setSucceeded(true).setWorkerId("w")
                .setStartedAt(java.time.Instant.now()).setFinishedAt(java.time.Instant.now())
                .setCompensations(List.of(CompensationOutcome.newBuilder().setSequence(firstUndo).setSucceeded(true)
                        .build())).build());
        assertThat(reported.report().getRolledBack()).isTrue();
        assertThat(reported.report().getFencingToken()).isEqualTo(1);

        recorder.recordEvents(List.of(attempt(Tasks.event(task, 6, TaskState.DISPATCHED, 2, List.of()), 2)));
        int secondUndo = documents.recordUndo(task, 2, null, "http", "call", "{\"call\": 2}");
        RollbackCommand undoSecond = Tasks.rollback(task);
        undoSecond.setFencingToken(2);
        RollbackService.Plan second = rollbacks.rollback(undoSecond, Duration.ofMinutes(1));

        assertThat(second.compensation().getUndoRecords()).extracting(UndoRecord::getSequence)
                .containsExactly(secondUndo);
        assertThat(second.compensation().getIdempotencyKey()).isEqualTo(task + ":compensate");
    }

    private static TaskEvent attempt(TaskEvent event, int attempt) {
        event.setAttempt(attempt);
        return event;
    }

    @Test
    void shouldStoreARedeliveredEventBatchOnce() {
        String task = Tasks.newId("redelivered");
        List<TaskEvent> events = new ArrayList<>(Tasks.dispatched(task, List.of()));
        events.add(Tasks.event(task, 3, TaskState.SUCCEEDED, 1, List.of()));

        int first = recorder.recordEvents(events);
        int again = recorder.recordEvents(events);

        assertThat(first).isEqualTo(3);
        assertThat(again).isZero();
        assertThat(queries.task(task)).containsEntry("state", "SUCCEEDED").containsEntry("lastSequence", 3);
        assertThat((List<?>) queries.task(task).get("events")).hasSize(3);
    }

    @Test
    void shouldAcceptNoWriteAfterTheSealWhileManyThreadsWrite() throws Exception {
        String task = Tasks.newId("race");
        List<String> keys = List.of(task + "/a", task + "/b", task + "/c");
        recorder.recordEvents(Tasks.dispatched(task, keys));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger accepted = new AtomicInteger();
        ConcurrentLinkedQueue<Instant> refusedAfter = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            writers.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 200; i++) {
                    try {
                        documents.put(keys.get((thread + i) % keys.size()), task, 1, null, "{\"t\": " + thread + ", \"i\": " + i + "}");
                        accepted.incrementAndGet();
                    } catch (HistoryException e) {
                        assertThat(e.status()).isEqualTo(409);
                        refusedAfter.add(Instant.now());
                    }
                }
                return null;
            }));
        }

        go.countDown();
        Thread.sleep(150);
        RollbackService.Plan plan = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1));
        for (var writer : writers) {
            writer.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        List<Map<String, Object>> snapshots = queries.snapshotsOfTask(task);
        assertThat(accepted.get()).as("some writes landed before the seal").isPositive();
        assertThat(refusedAfter).as("some writes were refused after it").isNotEmpty();
        assertThat(snapshots).as("one snapshot per accepted write, no more, no less").hasSize(accepted.get());
        assertThat(plan.report().getRestoredDocuments()).isEqualTo(accepted.get());
        for (String key : keys) {
            assertThatThrownBy(() -> documents.get(key)).as("%s is as before the task: absent", key)
                    .isInstanceOf(HistoryException.class);
        }
        assertThat(sealedAfterLastSnapshot(task)).as("no snapshot was taken after the seal").isTrue();
        assertThatThrownBy(() -> documents.put(keys.get(0), task, 1, null, "{}")).isInstanceOf(HistoryException.class)
                .hasMessageContaining("sealed");
    }

    @Test
    void shouldPurgeTheHistoryOfEndedTasksButNeverOfTasksInFlight() throws SQLException {
        String ended = Tasks.newId("ended-long-ago");
        String running = Tasks.newId("still-running");
        recorder.recordEvents(List.of(Tasks.event(ended, 1, TaskState.SUBMITTED, 0, List.of()),
                Tasks.event(ended, 2, TaskState.REJECTED, 0, List.of())));
        recorder.recordEvents(Tasks.dispatched(running, List.of()));
        // Issue 20, finding 8: a rollback command for a task whose events history never stored leaves a sealed fence
        // and a rollback row, with no summary row to be purged by.
        String unknown = Tasks.newId("rolled-back-unseen");
        rollbacks.rollback(Tasks.rollback(unknown), Duration.ofMinutes(1));

        purge.purgeEndedBefore(Instant.now().plusSeconds(60));

        assertThatThrownBy(() -> queries.task(ended)).isInstanceOf(HistoryException.class);
        assertThat(queries.task(running)).containsEntry("state", "DISPATCHED");
        assertThat(rowsOf(unknown)).as("fence and rollback rows of a task history never saw").isZero();
        assertThat(rowsOf(running)).as("the running task's fence").isEqualTo(1);
    }

    private long rowsOf(String task) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM task_fences WHERE task_id = '" + task
                        + "') + (SELECT count(*) FROM rollbacks WHERE task_id = '" + task + "')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean sealedAfterLastSnapshot(String task) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT f.sealed_at >= coalesce(max(s.taken_at), '-infinity')"
                        + " FROM task_fences f LEFT JOIN snapshots s ON s.task_id = f.task_id WHERE f.task_id = '"
                        + task + "' GROUP BY f.sealed_at")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}

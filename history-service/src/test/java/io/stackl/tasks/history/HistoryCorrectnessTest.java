package io.stackl.tasks.history;

import static io.stackl.tasks.history.InternalCallers.asWorker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.stackl.tasks.history.service.DocumentService;
import io.stackl.tasks.history.service.HistoryRecorder;
import io.stackl.tasks.history.service.RollbackService;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.schema.CompensationEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkKind;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 20 on the real PostgreSQL: the database enforces the locks and the attempts whatever order the history
 * service learns things in, fences never go backwards, and a rollback replays what it owes Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HistoryCorrectnessTest {

    @Inject
    HistoryRecorder recorder;

    @Inject
    DocumentService documents;

    @Inject
    RollbackService rollbacks;

    @Inject
    javax.sql.DataSource dataSource;

    /** Finding 2: a redelivered work item runs again under the same token; its second run may not write. */
    @Test
    void shouldRefuseASecondExecutionOfTheSameAttempt() {
        String task = Tasks.newId("twice-run");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));

        write(task, key, "run-1", 1).then().statusCode(200);
        write(task, key, "run-1", 2).then().statusCode(200);
        write(task, key, "run-2", 3).then().statusCode(409)
                .body("type", endsWith("/problems/attempt-already-running"));
        // A writer that names no execution cannot be told from a second run once the attempt is claimed.
        asWorker().contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 1, "value", Map.of("v", 4)))
                .put("/documents/{key}", key).then().statusCode(409);

        assertThat(documents.get(key).valueJson()).contains("2");
    }

    /** Finding 2: an attempt that sent its result is over, even before history learns how the task ended. */
    @Test
    void shouldRefuseWritesForAnAttemptWhoseResultIsIn() {
        String task = Tasks.newId("result-in");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        write(task, key, "run-1", 1).then().statusCode(200);

        recorder.recordResults(List.of(TaskResult.newBuilder().setTaskId(task).setKind(WorkKind.EXECUTE)
                .setAttempt(1).setFencingToken(1).setSucceeded(true).setWorkerId("w").setStartedAt(Instant.now())
                .setFinishedAt(Instant.now()).build()));

        write(task, key, "run-2", 2).then().statusCode(409);
        write(task, key, "run-1", 3).then().statusCode(409);
    }

    /**
     * Finding 2: the next task on a key was dispatched (history recorded its DISPATCHED) before history learned that
     * the first one ended; a late write by the first may not land on the key the second now holds. Also when history
     * learns of the two grants in the opposite order.
     */
    @Test
    void shouldAcceptWritesToAKeyOnlyFromItsLatestLockHolder() {
        String key = "docs/" + Tasks.newId("epochs");
        String first = Tasks.newId("holder-1");
        String second = Tasks.newId("holder-2");
        String third = Tasks.newId("holder-3");
        recorder.recordEvents(Tasks.dispatched(first, List.of(key), List.of(5L)));
        write(first, key, "a", 1).then().statusCode(200);

        recorder.recordEvents(Tasks.dispatched(second, List.of(key), List.of(9L)));
        write(first, key, "a", 2).then().statusCode(409).body("type", endsWith("/problems/lock-superseded"));
        write(second, key, "b", 3).then().statusCode(200);

        // A grant that history learns of late (its partition lagged) does not take the key back.
        recorder.recordEvents(Tasks.dispatched(third, List.of(key), List.of(7L)));
        write(third, key, "c", 4).then().statusCode(409).body("type", endsWith("/problems/lock-superseded"));
        assertThat(documents.get(key).valueJson()).contains("3");
    }

    /** Finding 6: a replayed batch (DISPATCHED again after SUCCEEDED) must not reopen the fence. */
    @Test
    void shouldNotReopenAFinishedTasksFenceOnAReplayedBatch() {
        String task = Tasks.newId("replayed");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        write(task, key, "run", 1).then().statusCode(200);
        recorder.recordEvents(List.of(Tasks.event(task, 3, TaskState.SUCCEEDED, 1, List.of(key))));

        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));

        write(task, key, "run", 2).then().statusCode(409);
        assertThat(documents.get(key).valueJson()).contains("1");
    }

    /**
     * Finding 6, the window the sequence guard closes: FAILED recorded, the rollback command not yet carried out (so
     * nothing sealed), and DISPATCHED replayed.
     */
    @Test
    void shouldNotReopenAFailedTasksFenceBeforeItsRollbackSealsIt() {
        String task = Tasks.newId("replayed-failed");
        String key = "docs/" + task;
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        recorder.recordEvents(List.of(Tasks.event(task, 3, TaskState.FAILED, 1, List.of(key))));

        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));

        write(task, key, "late", 1).then().statusCode(409).body("type", endsWith("/problems/task-not-in-flight"));
    }

    /**
     * Finding 3: a rollback awaiting the workers, asked again (the broker's re-send, or a replay after a crash
     * between commit and send), hands the compensation to the workers again; after the bound it fails, visibly.
     */
    @Test
    void shouldHandTheCompensationOutAgainWhenAskedAgainAndFailAfterTheBound() {
        String task = awaitingUndo("awaiting");

        RollbackService.Plan first = rollbacks.rollback(Tasks.rollback(task), Duration.ZERO, 2);
        RollbackService.Plan again = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1), 2);
        rollbacks.compensationSent(task, again.compensation().getDeadline());
        RollbackService.Plan early = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1), 2);
        RollbackService.Plan bounded = forceDue(task, () -> rollbacks.rollback(Tasks.rollback(task),
                Duration.ofMinutes(1), 2));

        assertThat(first.compensation().getKind()).isEqualTo(WorkKind.COMPENSATE);
        assertThat(early.compensation()).as("still running: not handed out twice at once").isNull();
        assertThat(early.report()).isNull();
        assertThat(again.report()).isNull();
        assertThat(again.compensation().getUndoRecords()).hasSize(1);
        assertThat(bounded.compensation()).isNull();
        assertThat(bounded.report().getRolledBack()).isFalse();
        assertThat(bounded.report().getFailure().getCode()).isEqualTo("COMPENSATION_TIMEOUT");
    }

    /**
     * Finding 3, the case the fault suite's replay found: the history service committed the rollback and died before
     * Kafka acknowledged the compensation item. The command, delivered again before the item's deadline, must send the
     * same item again (same deadline, not another attempt); once the send is acknowledged, it must not.
     */
    @Test
    void shouldSendTheCompensationAgainWhenItsFirstSendWasNeverAcknowledged() {
        String task = awaitingUndo("unsent");

        RollbackService.Plan first = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1), 2);
        RollbackService.Plan afterCrash = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1), 2);
        rollbacks.compensationSent(task, afterCrash.compensation().getDeadline());
        RollbackService.Plan afterSend = rollbacks.rollback(Tasks.rollback(task), Duration.ofMinutes(1), 2);

        assertThat(afterCrash.compensation()).as("the item the crash lost").isNotNull();
        assertThat(afterCrash.compensation().getDeadline()).isEqualTo(first.compensation().getDeadline());
        assertThat(afterCrash.compensation().getUndoRecords()).isEqualTo(first.compensation().getUndoRecords());
        assertThat(afterSend.compensation()).as("sent and still running: not handed out twice").isNull();
        assertThat(afterSend.report()).isNull();
        assertThat(attempts(task)).as("a lost send is not another attempt").isEqualTo(1);
    }

    /**
     * Finding 4, the undo racing the action: the action's own call may run until the attempt's deadline, so the undo
     * of a task cancelled before then may not start before it plus the grace; after the attempt's own failure it may.
     */
    @Test
    void shouldNotLetTheUndoStartBeforeTheAttemptsDeadlinePlusTheGrace() {
        Instant deadline = Instant.now().plusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String task = awaitingUndo("in-flight", deadline);

        String failed = awaitingUndo("returned", deadline);

        var cancel = Tasks.rollback(task);
        cancel.setCause(TaskState.CANCELLED);
        RollbackService.Plan cancelled = rollbacks.rollback(cancel, Duration.ofMinutes(1), 2);
        RollbackService.Plan afterItsResult = rollbacks.rollback(Tasks.rollback(failed), Duration.ofMinutes(1), 2);

        assertThat(cancelled.compensation().getNotBefore()).isEqualTo(deadline.plusSeconds(2));
        assertThat(cancelled.compensation().getDeadline()).as("its whole time to run counts from then")
                .isEqualTo(deadline.plusSeconds(2).plus(Duration.ofMinutes(1)));
        assertThat(afterItsResult.compensation().getNotBefore()).as("FAILED: the handler that called has returned")
                .isBefore(Instant.now().plusSeconds(1));
    }

    /**
     * Finding 8: the compensation of a rollback is one work item, on the topic of the task's handler. An undo record
     * naming another topic (only a client of the REST API can send one) would be undone by no one: refused.
     */
    @Test
    void shouldRefuseAnUndoRecordForAnotherTopicThanTheTasks() {
        String task = Tasks.newId("other-topic");
        recorder.recordEvents(Tasks.dispatchedOn("http", task));

        asWorker().contentType(ContentType.JSON).body(Map.of("fencingToken", 1, "handlerTopic", "document",
                "handlerSubtype", "call", "undo", Map.of("url", "http://127.0.0.1/undo")))
                .post("/tasks/{id}/undo-records", task).then().statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("is not the task's topic \"http\""));
    }

    /**
     * Finding 1, defence in depth: a rollback that reaches history after the key was granted to a later task must not
     * overwrite that task's committed change; it fails with RESTORE_CONFLICT.
     */
    @Test
    void shouldNotRestoreAKeyALaterTaskHoldsAndSaySo() {
        String key = "docs/" + Tasks.newId("late-restore");
        String first = Tasks.newId("late-1");
        String second = Tasks.newId("late-2");
        recorder.recordEvents(Tasks.dispatched(first, List.of(key), List.of(3L)));
        write(first, key, "a", 1).then().statusCode(200);
        recorder.recordEvents(Tasks.dispatched(second, List.of(key), List.of(8L)));
        write(second, key, "b", 2).then().statusCode(200);

        RollbackService.Plan late = rollbacks.rollback(Tasks.rollback(first), Duration.ofMinutes(1));

        assertThat(late.report().getRolledBack()).isFalse();
        assertThat(late.report().getFailure().getCode()).isEqualTo("RESTORE_CONFLICT");
        assertThat(late.compensations()).extracting(CompensationEvent::getDocumentKey).doesNotContain(key);
        assertThat(documents.get(key).valueJson()).contains("2");
    }

    /** A dispatched http task that recorded one undo record: its rollback waits for the workers. */
    private String awaitingUndo(String prefix) {
        return awaitingUndo(prefix, null);
    }

    private String awaitingUndo(String prefix, Instant attemptDeadline) {
        String task = Tasks.newId(prefix);
        recorder.recordEvents(Tasks.dispatchedOn("http", task).stream()
                .peek(e -> e.setDeadline(e.getState() == TaskState.DISPATCHED ? attemptDeadline : null)).toList());
        asWorker().contentType(ContentType.JSON).body(Map.of("fencingToken", 1, "handlerTopic", "http",
                "handlerSubtype", "call", "undo", Map.of("url", "http://127.0.0.1/undo")))
                .post("/tasks/{id}/undo-records", task).then().statusCode(200);
        return task;
    }

    private int attempts(String task) {
        try (var c = dataSource.getConnection(); var s = c.prepareStatement(
                "SELECT compensation_attempts FROM rollbacks WHERE task_id = ?")) {
            s.setString(1, task);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code action} as if the last compensation item's time had run out. */
    private RollbackService.Plan forceDue(String task, java.util.function.Supplier<RollbackService.Plan> action) {
        try (var c = dataSource.getConnection(); var s = c.prepareStatement(
                "UPDATE rollbacks SET compensation_deadline = now() - interval '1 second' WHERE task_id = ?")) {
            s.setString(1, task);
            s.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return action.get();
    }

    private static io.restassured.response.Response write(String task, String key, String executionId, int value) {
        return asWorker().contentType(ContentType.JSON).body(Map.of("taskId", task, "fencingToken", 1,
                "executionId", executionId, "value", Map.of("v", value))).put("/documents/{key}", key);
    }
}

package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.BrokerDriver.request;
import static io.stackl.tasks.schema.TaskState.CANCELLED;
import static io.stackl.tasks.schema.TaskState.DISPATCHED;
import static io.stackl.tasks.schema.TaskState.FAILED;
import static io.stackl.tasks.schema.TaskState.REJECTED;
import static io.stackl.tasks.schema.TaskState.ROLLBACK_FAILED;
import static io.stackl.tasks.schema.TaskState.ROLLED_BACK;
import static io.stackl.tasks.schema.TaskState.ROLLING_BACK;
import static io.stackl.tasks.schema.TaskState.SUBMITTED;
import static io.stackl.tasks.schema.TaskState.SUCCEEDED;
import static io.stackl.tasks.schema.TaskState.TIMED_OUT;
import static io.stackl.tasks.schema.TaskState.WAITING_FOR_LOCKS;
import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkItem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker's topology under {@code TopologyTestDriver}, with mocked wall-clock time. The driver runs one partition:
 * with the default settings every key and task is on it, so locks take the local path (ADR 0017); the subclasses run
 * the same tests through the lock topics, and with keys and tasks placed on either side.
 */
class TaskTopologyTest {

    /** Checks the lifecycle invariants after each test, and closes. */
    @RegisterExtension
    final BrokerDriver broker = newDriver();

    BrokerDriver newDriver() {
        return BrokerDriver.withDefaults();
    }

    // ---------------------------------------------------------------- dispatch and success

    @Test
    void shouldDispatchATaskWithoutLocksAtOnceWithAttemptTokenAndDeadline() {
        broker.submit(request("t1").build());

        WorkItem item = single(broker.work("noop"));
        assertThat(broker.states("t1")).containsExactly(SUBMITTED, DISPATCHED);
        assertThat(item.getAttempt()).isEqualTo(1);
        assertThat(item.getFencingToken()).isEqualTo(1L);
        assertThat(item.getDeadline()).isEqualTo(BrokerDriver.T0.plusMillis(10_000));
        assertThat(item.getIdempotencyKey()).isEqualTo("t1:1");
    }

    @Test
    void shouldSucceedWithTheOutputAndIgnoreASecondResult() {
        broker.submit(request("t1").build());
        WorkItem item = single(broker.work("noop"));
        broker.events();

        broker.succeed(item, "{\"ok\":true}");
        broker.succeed(item, "{\"ok\":\"again\"}");

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(SUCCEEDED);
        assertThat(events.get(0).getOutputJson()).isEqualTo("{\"ok\":true}");
        assertThat(broker.rollbacks()).isEmpty();
    }

    // ---------------------------------------------------------------- timeouts

    @Test
    void shouldTimeOutAfterTheExecutionDeadlineByWallClockAloneAndNeverEarly() {
        broker.submit(request("t1").build());
        WorkItem item = single(broker.work("noop"));
        broker.events();

        broker.advanceMs(10_000 - 1);
        List<TaskState> beforeDeadline = broker.states("t1");
        broker.advanceMs(200);
        List<TaskState> afterDeadline = broker.states("t1");

        assertThat(beforeDeadline).isEmpty();
        assertThat(afterDeadline).containsExactly(TIMED_OUT, ROLLING_BACK);
        RollbackCommand rollback = single(broker.rollbacks());
        assertThat(rollback.getCause()).isEqualTo(TIMED_OUT);
        assertThat(rollback.getFencingToken()).isEqualTo(item.getFencingToken());
        assertThat(broker.latenesses).hasSize(1).allSatisfy(l -> assertThat(l).isBetween(0L, 200L));
    }

    @Test
    void shouldTimeOutInTheQueueWhileWaitingForALockAndNeedNoRollbackCommand() {
        broker.submit(request("holder").setChangedDocumentKeys(List.of("doc/a")).setExecutionTimeoutMs(60_000L).build());
        broker.submit(request("waiter").setChangedDocumentKeys(List.of("doc/a")).setQueueTimeoutMs(2_000L).build());
        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("holder");
        assertThat(broker.states("waiter")).containsExactly(SUBMITTED, WAITING_FOR_LOCKS);

        broker.advanceMs(2_100);

        assertThat(broker.states("waiter")).containsExactly(TIMED_OUT, ROLLING_BACK, ROLLED_BACK);
        assertThat(broker.rollbacks()).isEmpty();
        assertThat(broker.latenesses).singleElement().satisfies(l -> assertThat(l).isBetween(0L, 100L));
    }

    @Test
    void shouldHandTheLockOnPastAWaiterThatTimedOut() {
        broker.submit(request("holder").setChangedDocumentKeys(List.of("doc/a")).build());
        broker.submit(request("gave-up").setChangedDocumentKeys(List.of("doc/a")).setQueueTimeoutMs(1_000L).build());
        broker.advanceMs(1_100);
        broker.submit(request("next").setChangedDocumentKeys(List.of("doc/a")).build());
        WorkItem holder = single(broker.work("noop"));

        broker.succeed(holder, "{}");

        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("next");
    }

    // ---------------------------------------------------------------- locks

    @Test
    void shouldGrantALockFirstComeFirstServed() {
        for (String id : List.of("a", "b", "c")) {
            broker.submit(request(id).setChangedDocumentKeys(List.of("doc/x")).build());
        }
        WorkItem a = single(broker.work("noop"));
        assertThat(a.getTaskId()).isEqualTo("a");

        broker.succeed(a, "{}");
        WorkItem b = single(broker.work("noop"));
        broker.succeed(b, "{}");
        WorkItem c = single(broker.work("noop"));

        assertThat(List.of(b.getTaskId(), c.getTaskId())).containsExactly("b", "c");
    }

    @Test
    void shouldGrantAllKeysOrNoneAndNotDeadlockOnOppositeOrder() {
        broker.submit(request("xy").setChangedDocumentKeys(List.of("doc/x", "doc/y")).build());
        broker.submit(request("yx").setChangedDocumentKeys(List.of("doc/y", "doc/x")).build());
        broker.submit(request("y").setChangedDocumentKeys(List.of("doc/y")).build());

        WorkItem first = single(broker.work("noop"));
        assertThat(first.getTaskId()).isEqualTo("xy");
        assertThat(first.getChangedDocumentKeys()).containsExactly("doc/x", "doc/y");
        broker.succeed(first, "{}");
        WorkItem second = single(broker.work("noop"));
        broker.succeed(second, "{}");
        WorkItem third = single(broker.work("noop"));

        // "yx" queued for doc/x first (sorted order) and so holds nothing while it waits: "y" may not overtake it
        // on doc/y only if "yx" got doc/x first. Both orders are deadlock-free; each task runs exactly once.
        assertThat(List.of(second.getTaskId(), third.getTaskId())).containsExactlyInAnyOrder("yx", "y");
    }

    @Test
    void shouldTakeFreeKeysAtOnceAndQueueOnlyForTheTakenOneGivingBackThoseAfterIt() {
        broker.submit(request("holds-b").setChangedDocumentKeys(List.of("doc/b")).build());
        WorkItem holdsB = single(broker.work("noop"));
        broker.submit(request("abc").setChangedDocumentKeys(List.of("doc/c", "doc/a", "doc/b")).build());
        assertThat(broker.work("noop")).isEmpty();

        // The try was refused doc/b: "abc" keeps doc/a (before it in the global order), gives doc/c back, and queues.
        broker.submit(request("c").setChangedDocumentKeys(List.of("doc/c")).build());
        WorkItem c = single(broker.work("noop"));
        assertThat(c.getTaskId()).isEqualTo("c");
        broker.submit(request("a").setChangedDocumentKeys(List.of("doc/a")).build());
        assertThat(broker.work("noop")).isEmpty();

        broker.succeed(holdsB, "{}");
        assertThat(broker.work("noop")).as("doc/b granted, doc/c still held by c").isEmpty();
        broker.succeed(c, "{}");
        WorkItem abc = single(broker.work("noop"));
        assertThat(abc.getTaskId()).isEqualTo("abc");
        assertThat(abc.getChangedDocumentKeys()).containsExactly("doc/a", "doc/b", "doc/c");
        assertThat(single(broker.dispatched("abc")).getLockEpochs()).hasSize(3)
                .allSatisfy(epoch -> assertThat(epoch).isPositive());
        broker.succeed(abc, "{}");
        assertThat(single(broker.work("noop")).getTaskId()).isEqualTo("a");
    }

    @Test
    void shouldDispatchATaskWithManyFreeKeysWithAnEpochForEach() {
        List<String> keys = java.util.stream.IntStream.range(0, 10).mapToObj(i -> "doc/many/" + i).toList();
        broker.submit(request("many").setChangedDocumentKeys(keys).build());

        WorkItem many = single(broker.work("noop"));
        assertThat(many.getChangedDocumentKeys()).containsExactlyElementsOf(keys);
        assertThat(broker.states("many")).containsExactly(TaskState.SUBMITTED, TaskState.WAITING_FOR_LOCKS,
                TaskState.DISPATCHED);
        assertThat(single(broker.dispatched("many")).getLockEpochs()).hasSize(10)
                .allSatisfy(epoch -> assertThat(epoch).isPositive());
    }

    @Test
    void shouldKeepLocksUntilTheRollbackEnds() {
        broker.submit(request("failing").setChangedDocumentKeys(List.of("doc/x")).build());
        broker.submit(request("next").setChangedDocumentKeys(List.of("doc/x")).build());
        WorkItem failing = single(broker.work("noop"));

        broker.fail(failing, "BOOM");
        List<WorkItem> whileRollingBack = broker.work("noop");
        broker.reportRollback("failing", true);
        List<WorkItem> afterRollback = broker.work("noop");

        assertThat(whileRollingBack).isEmpty();
        assertThat(afterRollback).extracting(WorkItem::getTaskId).containsExactly("next");
    }

    // ---------------------------------------------------------------- failure, rollback, cancel

    @Test
    void shouldRollBackAFailedTaskAndEndRolledBack() {
        broker.submit(request("t1").build());
        WorkItem item = single(broker.work("noop"));
        broker.fail(item, "BOOM");

        RollbackCommand rollback = single(broker.rollbacks());
        broker.reportRollback("t1", true);

        assertThat(rollback.getCause()).isEqualTo(FAILED);
        assertThat(broker.states("t1")).containsExactly(SUBMITTED, DISPATCHED, FAILED, ROLLING_BACK, ROLLED_BACK);
    }

    @Test
    void shouldEndRollbackFailedWhenTheHistoryServiceCannotUndo() {
        broker.submit(request("t1").build());
        broker.fail(single(broker.work("noop")), "BOOM");
        broker.events();

        broker.reportRollback("t1", false);

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(ROLLBACK_FAILED);
        assertThat(events.get(0).getFailure().getCode()).isEqualTo("UNDO_FAILED");
    }

    @Test
    void shouldCancelADispatchedTaskThenRollItBackAndIgnoreALaterCancel() {
        broker.submit(request("t1").build());
        broker.work("noop");

        broker.cancel("t1");
        broker.reportRollback("t1", true);
        broker.cancel("t1");

        assertThat(broker.states("t1")).containsExactly(SUBMITTED, DISPATCHED, CANCELLED, ROLLING_BACK, ROLLED_BACK);
        assertThat(single(broker.rollbacks()).getCause()).isEqualTo(CANCELLED);
    }

    // ---------------------------------------------------------------- late and stale results

    @Test
    void shouldIgnoreAResultThatArrivesAfterTheTimeout() {
        broker.submit(request("t1").build());
        WorkItem item = single(broker.work("noop"));
        broker.advanceMs(10_100);
        broker.events();

        broker.succeed(item, "{\"late\":true}");

        assertThat(broker.events()).isEmpty();
        assertThat(broker.tasksStore().get("t1").state()).isEqualTo(ROLLING_BACK);
    }

    @Test
    void shouldIgnoreAResultWithAStaleTokenOrAttempt() {
        broker.submit(request("t1").build());
        WorkItem item = single(broker.work("noop"));
        broker.events();

        broker.sendResult(BrokerDriver.result(item, true).setFencingToken(item.getFencingToken() - 1).build());
        broker.sendResult(BrokerDriver.result(item, true).setAttempt(item.getAttempt() + 1).build());

        assertThat(broker.events()).isEmpty();
        assertThat(broker.tasksStore().get("t1").state()).isEqualTo(DISPATCHED);
    }

    // ---------------------------------------------------------------- idempotency

    @Test
    void shouldCreateNoSecondTaskForARepeatedIdempotencyKey() {
        broker.submit(request("first").setIdempotencyKey("k-1").build());
        broker.submit(request("second").setIdempotencyKey("k-1").build());

        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("first");
        List<TaskEvent> second = broker.events().stream().filter(e -> e.getTaskId().equals("second")).toList();
        assertThat(second).extracting(TaskEvent::getState).containsExactly(REJECTED);
        assertThat(second.get(0).getRelatedTaskId()).isEqualTo("first");
        assertThat(second.get(0).getReason()).startsWith("DUPLICATE");
        assertThat(second.get(0).getRejectionCode()).isEqualTo(RejectionCode.DUPLICATE);
        assertThat(broker.events().stream().filter(e -> e.getTaskId().equals("first")))
                .as("only a rejection carries a code").allSatisfy(e -> assertThat(e.getRejectionCode()).isNull());
    }

    @Test
    void shouldRejectTheSameIdempotencyKeyWithADifferentBodyAsAConflict() {
        broker.submit(request("first").setIdempotencyKey("k-1").build());
        broker.submit(request("second").setIdempotencyKey("k-1").setArgumentsJson("{\"other\":1}").build());

        TaskEvent rejected = broker.events().stream().filter(e -> e.getTaskId().equals("second")).findFirst().orElseThrow();
        assertThat(rejected.getState()).isEqualTo(REJECTED);
        assertThat(rejected.getReason()).startsWith("CONFLICT");
        assertThat(rejected.getRejectionCode()).isEqualTo(RejectionCode.CONFLICT);
        assertThat(rejected.getRelatedTaskId()).isEqualTo("first");
    }

    @Test
    void shouldAcceptTheKeyAgainOnceItsWindowHasPassed() {
        broker.submit(request("first").setIdempotencyKey("k-1").build());
        broker.advance(broker.settings.idempotencyWindow().plusSeconds(2));
        broker.submit(request("later").setIdempotencyKey("k-1").build());

        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("first", "later");
    }

    @Test
    void shouldScopeIdempotencyKeysBySource() {
        broker.submit(request("a").setSource("team-a").setIdempotencyKey("k-1").build());
        broker.submit(request("b").setSource("team-b").setIdempotencyKey("k-1").build());

        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("a", "b");
    }

    @Test
    void shouldIgnoreARedeliveredRequestWithTheSameId() {
        broker.submit(request("t1").build());
        broker.submit(request("t1").build());

        assertThat(broker.work("noop")).hasSize(1);
        assertThat(broker.states("t1")).containsExactly(SUBMITTED, DISPATCHED);
    }

    // ---------------------------------------------------------------- rejection and bad records

    @Test
    void shouldRejectInvalidRequestsWithTheReason() {
        broker.submit(request("unknown-topic").setTopic("payments").build());
        broker.submit(request("too-long").setExecutionTimeoutMs(broker.settings.maxExecutionTimeout().toMillis() + 1).build());
        broker.submit(request("negative").setQueueTimeoutMs(-5L).build());
        broker.submit(request("bad-args").setArgumentsJson("{not json").build());
        broker.submit(request("no-subtype").setSubtype("").build());

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsOnly(REJECTED).hasSize(5);
        assertThat(events).extracting(TaskEvent::getReason).satisfiesExactly(
                r -> assertThat(r).startsWith("UNKNOWN_TOPIC").contains("payments"),
                r -> assertThat(r).contains("executionTimeoutMs").contains("over the maximum"),
                r -> assertThat(r).contains("queueTimeoutMs must be positive"),
                r -> assertThat(r).contains("argumentsJson is not valid JSON"),
                r -> assertThat(r).contains("no subtype"));
        assertThat(broker.work("noop")).isEmpty();
    }

    @Test
    void shouldTakeAMissingIdFromTheRecordKey() {
        broker.submitKeyedBy("from-key", request("").build());

        assertThat(single(broker.work("noop")).getTaskId()).isEqualTo("from-key");
    }

    @Test
    void shouldRouteARequestKeyedByAnotherKeyToItsTaskPartition() {
        broker.submitKeyedBy("not-the-id", request("t1").build());

        assertThat(single(broker.work("noop")).getTaskId()).isEqualTo("t1");
        assertThat(broker.tasksStore().get("t1")).isNotNull();
    }

    @Test
    void shouldSendUndecodableRecordsToTheDeadLetterTopicAndKeepWorking() {
        byte[] poison = "definitely not avro".getBytes(StandardCharsets.UTF_8);
        broker.submitRaw("poison", poison);
        broker.resultRaw("poison-result", new byte[] {1, 2, 3});
        broker.submit(request("after").build());

        List<TestRecord<String, byte[]>> dead = broker.deadLetters();
        assertThat(dead).hasSize(2);
        assertThat(dead.get(0).value()).isEqualTo(poison);
        assertThat(header(dead.get(0), DeadLetters.SOURCE_TOPIC)).isEqualTo("task-requests");
        assertThat(header(dead.get(0), DeadLetters.ERROR_CLASS)).contains("SerializationException");
        assertThat(header(dead.get(1), DeadLetters.SOURCE_TOPIC)).isEqualTo("task-results");
        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("after");
        assertThat(broker.deadLetteredTopics).containsExactly("task-requests", "task-results");
    }

    // ---------------------------------------------------------------- retention

    @Test
    void shouldPurgeATerminalTaskAfterItsRetentionAndTheIdempotencyWindowAndLeaveNoDeadline() {
        broker.submit(request("t1").build());
        broker.succeed(single(broker.work("noop")), "{}");
        assertThat(broker.tasksStore().get("t1").state()).isEqualTo(SUCCEEDED);

        broker.advance(broker.settings.terminalRetention().plusSeconds(1));
        assertThat(broker.tasksStore().get("t1").state()).as("its id stays known, compacted").isEqualTo(SUCCEEDED);
        broker.advance(broker.settings.idempotencyWindow());

        assertThat(broker.tasksStore().get("t1")).isNull();
        assertThat(count(broker.deadlinesStore().all())).isZero();
    }

    private static long count(org.apache.kafka.streams.state.KeyValueIterator<String, String> it) {
        try (it) {
            long n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return n;
        }
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }
}

package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.BrokerDriver.request;
import static io.stackl.tasks.schema.TaskState.ROLLBACK_FAILED;
import static io.stackl.tasks.schema.TaskState.ROLLED_BACK;
import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkItem;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 20, finding 1: a rollback whose report is late must not release the task's locks, because the restore may
 * still happen; the broker asks again and ends the task with the history service's own word.
 */
class RollbackSafetyTopologyTest {

    /** Checks the lifecycle invariants after each test, and closes. */
    @RegisterExtension
    final BrokerDriver broker = BrokerDriver.withDefaults();

    @Test
    void shouldKeepTheLocksOfARollbackWhoseReportIsLateAndAskAgain() {
        broker.submit(request("t1").setChangedDocumentKeys(List.of("doc/k")).build());
        WorkItem first = single(broker.work("noop"));
        broker.submit(request("t2").setChangedDocumentKeys(List.of("doc/k"))
                .setQueueTimeoutMs(Duration.ofHours(1).toMillis()).build());
        broker.fail(first, "BOOM");
        RollbackCommand asked = single(broker.rollbacks());
        broker.events();

        Duration timeout = broker.settings.rollbackTimeout();
        broker.advance(timeout.plusMillis(200));
        broker.advance(timeout.plusMillis(200));

        assertThat(broker.events()).as("no terminal state without the history service's report").isEmpty();
        assertThat(broker.work("noop")).as("the next task on the key waits: the restore may still happen").isEmpty();
        List<RollbackCommand> again = broker.rollbacks();
        assertThat(again).hasSize(2).allSatisfy(c -> {
            assertThat(c.getTaskId()).isEqualTo("t1");
            assertThat(c.getFencingToken()).isEqualTo(asked.getFencingToken());
            assertThat(c.getCause()).isEqualTo(asked.getCause());
        });

        broker.reportRollback("t1", true);

        assertThat(broker.states("t1")).containsExactly(ROLLED_BACK);
        WorkItem next = single(broker.work("noop"));
        assertThat(next.getTaskId()).isEqualTo("t2");
    }

    @Test
    void shouldEndRollbackFailedOnlyWhenTheHistoryServiceSaysSo() {
        broker.submit(request("t1").build());
        WorkItem item = single(broker.work("noop"));
        broker.fail(item, "BOOM");
        broker.events();
        broker.advance(broker.settings.rollbackTimeout().plusMillis(200));
        assertThat(broker.events()).isEmpty();

        broker.reportRollback("t1", false);

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(ROLLBACK_FAILED);
        assertThat(events.get(0).getFailure().getCode()).isEqualTo("UNDO_FAILED");
        assertThat(broker.states("t1")).isEmpty();
    }

    /**
     * Finding 2: every grant of a key carries a larger epoch than the one before, and the DISPATCHED event carries the
     * epoch of each key, so that the history service can refuse a late writer whatever order it learns things in.
     */
    @Test
    void shouldNumberEachGrantOfAKeyHigherThanTheLast() {
        broker.submit(request("e1").setChangedDocumentKeys(List.of("doc/b", "doc/a")).build());
        WorkItem first = single(broker.work("noop"));
        broker.submit(request("e2").setChangedDocumentKeys(List.of("doc/a")).build());
        broker.succeed(first, "{}");
        single(broker.work("noop"));

        List<TaskEvent> dispatched = broker.events().stream().filter(e -> e.getState() == TaskState.DISPATCHED)
                .toList();
        assertThat(dispatched).hasSize(2);
        assertThat(dispatched.get(0).getChangedDocumentKeys()).containsExactly("doc/a", "doc/b");
        assertThat(dispatched.get(0).getLockEpochs()).hasSize(2).allSatisfy(e -> assertThat(e).isPositive());
        assertThat(dispatched.get(1).getLockEpochs()).singleElement()
                .satisfies(e -> assertThat(e).isGreaterThan(dispatched.get(0).getLockEpochs().get(0)));
    }

    /**
     * Finding 5: a task purged from the live store after its retention must still be known for the idempotency
     * window, or the same id produced again (a producer's retry) runs a second time.
     */
    @Test
    void shouldNotRunAnIdAgainWithinTheIdempotencyWindowAfterItsRecordWasPurged() {
        broker.submit(request("once").build());
        broker.succeed(single(broker.work("noop")), "{}");
        broker.events();

        broker.advance(broker.settings.terminalRetention().plusMinutes(1));
        broker.submit(request("once").build());

        assertThat(broker.events()).isEmpty();
        assertThat(broker.work("noop")).isEmpty();
        assertThat(broker.tasksStore().get("once").spec().argumentsJson()).as("kept small").isNull();

        broker.advance(broker.settings.idempotencyWindow());
        assertThat(broker.tasksStore().get("once")).as("forgotten after the window").isNull();
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }
}

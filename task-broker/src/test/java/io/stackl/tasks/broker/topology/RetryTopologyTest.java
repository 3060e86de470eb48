package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.BrokerDriver.request;
import static io.stackl.tasks.schema.TaskState.CANCELLED;
import static io.stackl.tasks.schema.TaskState.DISPATCHED;
import static io.stackl.tasks.schema.TaskState.FAILED;
import static io.stackl.tasks.schema.TaskState.REJECTED;
import static io.stackl.tasks.schema.TaskState.RETRY_WAITING;
import static io.stackl.tasks.schema.TaskState.ROLLED_BACK;
import static io.stackl.tasks.schema.TaskState.ROLLING_BACK;
import static io.stackl.tasks.schema.TaskState.SUBMITTED;
import static io.stackl.tasks.schema.TaskState.SUCCEEDED;
import static io.stackl.tasks.schema.TaskState.TIMED_OUT;
import static io.stackl.tasks.schema.TaskState.WAITING_FOR_LOCKS;
import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.schema.RetryPolicy;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.WorkItem;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retries (ADR 0012) under {@code TopologyTestDriver} with mocked wall-clock time: a failed attempt is rolled back
 * under the task's locks, the next waits its backoff (never early) and runs with a new fencing token; results and
 * reports of an earlier attempt change nothing; cancel, exhaustion and non-retryable failures end the task as before.
 */
class RetryTopologyTest {

    @RegisterExtension
    final BrokerDriver broker = new BrokerDriver(BrokerSettings.defaults(Set.of("document", "noop"))
            .withRetryDefaults(Map.of("document", new io.stackl.tasks.broker.domain.RetryPolicy(2, 500, 2.0, 500, 0,
                    List.of(), null))));

    /** Three attempts, waits of 1 s then 2 s, no jitter: the times below are exact. */
    private static RetryPolicy threeAttempts(String... nonRetryableCodes) {
        return RetryPolicy.newBuilder().setMaxAttempts(3).setInitialBackoffMs(1_000).setBackoffMultiplier(2.0)
                .setMaxBackoffMs(10_000).setJitter(0).setNonRetryableCodes(List.of(nonRetryableCodes)).build();
    }

    /**
     * {@link #threeAttempts} with an overall bound: no retry starts later than {@code retryWithinMs} after acceptance.
     */
    private static RetryPolicy threeAttemptsWithin(long retryWithinMs) {
        return RetryPolicy.newBuilder(threeAttempts()).setRetryWithinMs(retryWithinMs).build();
    }

    @Test
    void shouldUndoAFailedAttemptThenRetryAfterItsBackoffNeverEarlyKeepingTheLocks() {
        broker.submit(request("flaky").setChangedDocumentKeys(List.of("doc/a")).setRetryPolicy(threeAttempts()).build());
        broker.submit(request("next").setChangedDocumentKeys(List.of("doc/a")).build());
        WorkItem first = single(broker.work("noop"));

        broker.fail(first, "HTTP_503", true);
        RollbackCommand undo = single(broker.rollbacks());
        broker.reportRollback("flaky", true, first.getFencingToken());
        broker.advanceMs(1_000 - 1);
        List<WorkItem> beforeBackoff = broker.work("noop");
        broker.advanceMs(100);
        WorkItem second = single(broker.work("noop"));
        List<?> nextBeforeTheEnd = broker.dispatched("next");
        broker.succeed(second, "{\"ok\":true}");

        assertThat(undo.getRetry()).as("an attempt's rollback, not the task's").isTrue();
        assertThat(undo.getFencingToken()).isEqualTo(first.getFencingToken());
        assertThat(beforeBackoff).as("never before the backoff ends").isEmpty();
        assertThat(second.getAttempt()).isEqualTo(2);
        assertThat(second.getFencingToken()).isGreaterThan(first.getFencingToken());
        assertThat(broker.latenesses).singleElement().satisfies(l -> assertThat(l).isBetween(0L, 100L));
        assertThat(nextBeforeTheEnd).as("the waiter does not get the key between the attempts").isEmpty();
        assertThat(broker.dispatched("next")).as("the waiter gets the key once the retried task ends").hasSize(1);
    }

    @Test
    void shouldEmitAnEventPerStepWithItsAttempt() {
        broker.submit(request("flaky").setChangedDocumentKeys(List.of("doc/a")).setRetryPolicy(threeAttempts()).build());
        WorkItem first = single(broker.work("noop"));
        broker.fail(first, "HTTP_503", true);
        broker.reportRollback("flaky", true, first.getFencingToken());
        broker.advanceMs(1_100);
        broker.succeed(single(broker.work("noop")), "{}");

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(SUBMITTED, WAITING_FOR_LOCKS, DISPATCHED,
                FAILED, ROLLING_BACK, RETRY_WAITING, DISPATCHED, SUCCEEDED);
        assertThat(events).extracting(TaskEvent::getAttempt).containsExactly(0, 0, 1, 1, 1, 1, 2, 2);
        TaskEvent waiting = events.get(5);
        assertThat(waiting.getDeadline()).as("when the next attempt starts").isEqualTo(broker.now().minusMillis(100));
        assertThat(waiting.getReason()).contains("attempt 1 undone", "HTTP_503", "attempt 2 of 3");
    }

    @Test
    void shouldRollBackForGoodOnceTheAttemptsAreSpentAndThenHandTheLockOn() {
        broker.submit(request("flaky").setChangedDocumentKeys(List.of("doc/a")).setRetryPolicy(threeAttempts()).build());
        broker.submit(request("next").setChangedDocumentKeys(List.of("doc/a")).build());
        long backoff = 1_000;
        for (int attempt = 1; attempt <= 3; attempt++) {
            WorkItem item = single(broker.work("noop"));
            assertThat(item.getTaskId()).isEqualTo("flaky");
            assertThat(item.getAttempt()).isEqualTo(attempt);
            broker.fail(item, "HTTP_503", true);
            RollbackCommand undo = single(broker.rollbacks());
            assertThat(undo.getRetry()).as("attempt %d", attempt).isEqualTo(attempt < 3);
            broker.reportRollback("flaky", true, item.getFencingToken());
            broker.advanceMs(backoff + 50);
            backoff *= 2;
        }
        assertThat(broker.dispatched("flaky")).hasSize(3);
        assertThat(broker.tasksStore().get("flaky").state()).isEqualTo(ROLLED_BACK);
        assertThat(broker.dispatched("next")).hasSize(1);
    }

    @Test
    void shouldNotRetryWhenTheNextAttemptWouldStartAfterTheTasksOverallBound() {
        // Accepted at t; bound 1.5 s. Attempt 1 fails at t + 0.6 s: attempt 2 would start at t + 1.6 s, too late.
        broker.submit(request("bounded").setChangedDocumentKeys(List.of("doc/a"))
                .setRetryPolicy(threeAttemptsWithin(1_500L)).build());
        broker.submit(request("next").setChangedDocumentKeys(List.of("doc/a")).build());
        WorkItem first = single(broker.work("noop"));
        broker.advanceMs(600);
        broker.fail(first, "HTTP_503", true);
        RollbackCommand undo = single(broker.rollbacks());
        broker.reportRollback("bounded", true, first.getFencingToken());
        broker.advanceMs(10_000);

        assertThat(undo.getRetry()).as("the task's own rollback, not an attempt's").isFalse();
        assertThat(broker.events()).extracting(TaskEvent::getState).doesNotContain(RETRY_WAITING);
        assertThat(broker.dispatched("bounded")).hasSize(1);
        assertThat(broker.tasksStore().get("bounded").state()).isEqualTo(ROLLED_BACK);
        assertThat(broker.dispatched("next")).as("the waiter gets the key").hasSize(1);
    }

    @Test
    void shouldEndInsteadOfRetryingWhenTheUndoUsedUpTheBound() {
        // Bound 3 s, backoff 1 s: at the failure (t + 0.5 s) a retry fits; the undo reports at t + 2.5 s, when it no
        // longer does (t + 3.5 s > t + 3 s). No attempt is dispatched after the bound, whatever the undo took.
        broker.submit(request("slow-undo")
                .setRetryPolicy(threeAttemptsWithin(3_000L)).build());
        WorkItem first = single(broker.work("noop"));
        broker.advanceMs(500);
        broker.fail(first, "HTTP_503", true);
        RollbackCommand undo = single(broker.rollbacks());
        broker.advanceMs(2_000);
        broker.reportRollback("slow-undo", true, first.getFencingToken());
        broker.advanceMs(10_000);

        assertThat(undo.getRetry()).as("a retry still fitted when the attempt failed").isTrue();
        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(SUBMITTED, DISPATCHED, FAILED,
                ROLLING_BACK, ROLLED_BACK);
        assertThat(events.get(events.size() - 1).getReason()).contains("HTTP_503", "not retried", "3000 ms");
        assertThat(broker.dispatched("slow-undo")).hasSize(1);
    }

    @Test
    void shouldNotDispatchARetryWhoseBackoffEndedOnTheBoundButWasFoundAfterIt() {
        // Bound 1.7 s; attempt 1 fails at t + 0.6 s, undone at once, backoff 1 s: due at t + 1.6 s, within the bound
        // with the scan margin (0.1 s) to spare. The clock then jumps past the bound before the scan runs (a stalled
        // broker): the retry is not dispatched late.
        broker.submit(request("on-the-edge")
                .setRetryPolicy(threeAttemptsWithin(1_700L)).build());
        WorkItem first = single(broker.work("noop"));
        broker.advanceMs(600);
        broker.fail(first, "HTTP_503", true);
        broker.reportRollback("on-the-edge", true, first.getFencingToken());
        broker.events();
        broker.advanceMs(1_500);

        assertThat(broker.work("noop")).isEmpty();
        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(TIMED_OUT, ROLLING_BACK, ROLLED_BACK);
        assertThat(events.get(0).getReason()).contains("not retried", "1700 ms");
    }

    @Test
    void shouldRejectAnOverallBoundOutOfRange() {
        broker.submit(request("negative")
                .setRetryPolicy(threeAttemptsWithin(-1L)).build());

        assertThat(broker.events()).singleElement().satisfies(e -> {
            assertThat(e.getState()).isEqualTo(REJECTED);
            assertThat(e.getReason()).contains("retryWithinMs");
        });
    }

    @Test
    void shouldNotRetryANonRetryableFailureNorAListedCode() {
        broker.submit(request("final").setRetryPolicy(threeAttempts()).build());
        broker.fail(single(broker.work("noop")), "HTTP_400", false);
        broker.submit(request("listed").setRetryPolicy(threeAttempts("QUOTA")).build());
        broker.fail(single(broker.work("noop")), "QUOTA", true);

        assertThat(broker.rollbacks()).extracting(RollbackCommand::getRetry).containsExactly(false, false);
    }

    @Test
    void shouldIgnoreResultsOfAnEarlierAttemptAndDuringTheBackoff() {
        broker.submit(request("flaky").setRetryPolicy(threeAttempts()).build());
        WorkItem first = single(broker.work("noop"));
        broker.fail(first, "HTTP_503", true);
        broker.reportRollback("flaky", true, first.getFencingToken());
        broker.succeed(first, "{\"late\":\"during the backoff\"}");
        broker.advanceMs(1_100);
        WorkItem second = single(broker.work("noop"));
        broker.events();

        broker.succeed(first, "{\"late\":\"during attempt 2\"}");

        assertThat(broker.events()).isEmpty();
        assertThat(broker.tasksStore().get("flaky").attempt()).isEqualTo(2);
        broker.succeed(second, "{}");
        assertThat(broker.tasksStore().get("flaky").state()).isEqualTo(SUCCEEDED);
    }

    @Test
    void shouldIgnoreTheReportOfAnEarlierAttemptsRollback() {
        broker.submit(request("flaky").setRetryPolicy(threeAttempts()).build());
        WorkItem first = single(broker.work("noop"));
        broker.fail(first, "HTTP_503", true);
        broker.reportRollback("flaky", true, first.getFencingToken());
        broker.advanceMs(1_100);
        WorkItem second = single(broker.work("noop"));
        broker.fail(second, "HTTP_503", true);
        broker.events();

        // Attempt 1's report, sent again, must not end attempt 2's rollback: its writes are not restored yet.
        broker.reportRollback("flaky", true, first.getFencingToken());
        // So must a report without a token (a history service before ADR 0012 only ever undoes a first attempt).
        broker.reportRollback("flaky", true, 0);
        List<TaskEvent> afterStaleReport = broker.events();
        broker.reportRollback("flaky", true, second.getFencingToken());

        assertThat(afterStaleReport).isEmpty();
        assertThat(broker.states("flaky")).containsExactly(RETRY_WAITING);
    }

    @Test
    void shouldRetryAnAttemptThatPassesItsExecutionTimeout() {
        broker.submit(request("slow").setRetryPolicy(threeAttempts()).build());
        WorkItem first = single(broker.work("noop"));
        broker.advanceMs(10_050);
        RollbackCommand undo = single(broker.rollbacks());
        broker.reportRollback("slow", true, first.getFencingToken());
        broker.advanceMs(1_050);

        assertThat(undo.getCause()).isEqualTo(TIMED_OUT);
        assertThat(undo.getRetry()).isTrue();
        assertThat(single(broker.work("noop")).getAttempt()).isEqualTo(2);
    }

    @Test
    void shouldEndAtOnceWhenCancelledDuringABackoffAndReleaseTheLock() {
        broker.submit(request("flaky").setChangedDocumentKeys(List.of("doc/a")).setRetryPolicy(threeAttempts()).build());
        broker.submit(request("next").setChangedDocumentKeys(List.of("doc/a")).build());
        WorkItem first = single(broker.work("noop"));
        broker.fail(first, "HTTP_503", true);
        broker.rollbacks();
        broker.reportRollback("flaky", true, first.getFencingToken());
        broker.events();

        broker.cancel("flaky");
        broker.advanceMs(5_000);

        assertThat(broker.states("flaky")).containsExactly(CANCELLED, ROLLING_BACK, ROLLED_BACK);
        assertThat(broker.rollbacks()).as("attempt 1 is undone already: nothing to ask").isEmpty();
        assertThat(broker.work("noop")).extracting(WorkItem::getTaskId).containsExactly("next");
    }

    @Test
    void shouldEndInsteadOfRetryingWhenCancelledWhileAnAttemptIsUndone() {
        broker.submit(request("flaky").setRetryPolicy(threeAttempts()).build());
        WorkItem first = single(broker.work("noop"));
        broker.fail(first, "HTTP_503", true);
        broker.events();

        broker.cancel("flaky");
        List<TaskEvent> afterCancel = broker.events();
        broker.reportRollback("flaky", true, first.getFencingToken());
        broker.advanceMs(5_000);

        assertThat(afterCancel).isEmpty();
        List<TaskEvent> end = broker.events();
        assertThat(end).extracting(TaskEvent::getState).containsExactly(ROLLED_BACK);
        assertThat(end.get(0).getReason()).contains("cancelled by operator");
        assertThat(broker.work("noop")).isEmpty();
    }

    @Test
    void shouldApplyTheTopicsDefaultAndRejectAPolicyOutOfBounds() {
        broker.submit(request("by-default").setTopic("document").build());
        WorkItem first = single(broker.work("document"));
        broker.fail(first, "HTTP_503", true);
        assertThat(single(broker.rollbacks()).getRetry()).as("document: two attempts by default").isTrue();

        broker.submit(request("too-many").setRetryPolicy(RetryPolicy.newBuilder().setMaxAttempts(50).build()).build());
        List<TaskEvent> rejected = broker.events().stream().filter(e -> e.getTaskId().equals("too-many")).toList();
        assertThat(rejected).extracting(TaskEvent::getState).containsExactly(REJECTED);
        assertThat(rejected.get(0).getReason()).contains("retryPolicy.maxAttempts must be 1 to 20, was 50");

        broker.submit(request("once").build());
        broker.fail(single(broker.work("noop")), "HTTP_503", true);
        assertThat(single(broker.rollbacks()).getRetry()).as("noop: one attempt by default").isFalse();
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }
}

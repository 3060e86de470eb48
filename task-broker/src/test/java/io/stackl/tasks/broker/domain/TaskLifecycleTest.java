package io.stackl.tasks.broker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerTask.Phase;
import io.stackl.tasks.broker.query.TaskView;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskCommandType;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lifecycle as a pure state machine: no Kafka, no clock. */
class TaskLifecycleTest {

    private static final long NOW = 1_000_000L;
    private final BrokerSettings settings = BrokerSettings.defaults(Set.of("noop"));
    private final TaskLifecycle lifecycle = new TaskLifecycle(settings);
    /** As brokers before ADR 0008: keys queued for one by one. */
    private final TaskLifecycle oneByOne = new TaskLifecycle(settings.withTryLocksAtOnce(false));

    private static TaskSpec spec(String id, List<String> keys) {
        return new TaskSpec(id, "noop", "run", "test", "{}", List.of(), keys, 1_000L, 5_000L, null, NOW, Map.of());
    }

    @Test
    void shouldApplyTheDefaultTimeoutsWhenTheRequestLeavesThemOut() {
        TaskSpec spec = new TaskSpec("t", "noop", "run", "test", "{}", List.of(), List.of(), null, null, null, NOW,
                Map.of());

        Outcome outcome = lifecycle.admit(null, Admission.fresh(spec), NOW);

        assertThat(outcome.task().deadline()).isEqualTo(NOW + settings.defaultExecutionTimeout().toMillis());
        assertThat(outcome.work()).singleElement()
                .satisfies(w -> assertThat(w.getDeadline()).isEqualTo(Instant.ofEpochMilli(outcome.task().deadline())));
    }

    @Test
    void shouldRejectAMissingTimeoutWhenExplicitTimeoutsAreRequired() {
        BrokerSettings strict = settings.withRequireExplicitTimeouts(true);
        TaskSpec spec = new TaskSpec("t", "noop", "run", "test", "{}", List.of(), List.of(), null, 5_000L, null, NOW,
                Map.of());

        Outcome outcome = new TaskLifecycle(strict).admit(null, Admission.fresh(spec), NOW);

        assertThat(outcome.task().state()).isEqualTo(TaskState.REJECTED);
        assertThat(outcome.task().reason()).contains("queueTimeoutMs is required");
    }

    /**
     * Every way a request is refused carries its code (ADR 0010): programs branch on it, so none may fall back to
     * UNKNOWN. The broker derives the code from the head of its own reason ("CODE: sentence"); this pins them together.
     */
    @Test
    void shouldGiveEveryRejectionItsCode() {
        Map<TaskSpec, RejectionCode> refused = Map.of(
                new TaskSpec("a", "noop", null, "test", "{}", List.of(), List.of(), 1_000L, 5_000L, null, NOW,
                        Map.of()), RejectionCode.INVALID,
                new TaskSpec("b", "nobody-serves-this", "run", "test", "{}", List.of(), List.of(), 1_000L, 5_000L, null,
                        NOW, Map.of()), RejectionCode.UNKNOWN_TOPIC,
                new TaskSpec("c", "not a topic!", "run", "test", "{}", List.of(), List.of(), 1_000L, 5_000L, null, NOW,
                        Map.of()), RejectionCode.INVALID,
                spec("d", List.of("a\u0000b")), RejectionCode.INVALID_DOCUMENT_KEY,
                new TaskSpec("e", "noop", "run", "test", "[1]", List.of(), List.of(), 1_000L, 5_000L, null, NOW,
                        Map.of()), RejectionCode.INVALID,
                new TaskSpec("f", "noop", "run", "test", "{}", List.of(), List.of(), 1_000L, -1L, null, NOW,
                        Map.of()), RejectionCode.INVALID,
                spec("g", java.util.stream.IntStream.rangeClosed(0, settings.maxLockKeys()).mapToObj(i -> "k" + i)
                        .toList()), RejectionCode.INVALID);
        refused.forEach((spec, code) -> assertThat(lifecycle.admit(null, Admission.fresh(spec), NOW).events())
                .as("%s", spec.id()).singleElement().satisfies(e -> {
                    assertThat(e.getState()).isEqualTo(TaskState.REJECTED);
                    assertThat(e.getRejectionCode()).isEqualTo(code);
                }));

        TaskSpec repeated = spec("h", List.of());
        assertThat(lifecycle.admit(null, new Admission(repeated, Admission.Verdict.DUPLICATE, "first"), NOW).events())
                .singleElement().satisfies(e -> assertThat(e.getRejectionCode()).isEqualTo(RejectionCode.DUPLICATE));
        assertThat(lifecycle.admit(null, new Admission(repeated, Admission.Verdict.CONFLICT, "first"), NOW).events())
                .singleElement().satisfies(e -> assertThat(e.getRejectionCode()).isEqualTo(RejectionCode.CONFLICT));
        assertThat(lifecycle.admit(null, Admission.fresh(spec("i", List.of())), NOW).events())
                .allSatisfy(e -> assertThat(e.getRejectionCode()).as("only a rejection has a code").isNull());
    }

    @Test
    void shouldSortAndDeduplicateLockKeysAndAskForTheFirstOnly() {
        Outcome outcome = oneByOne.admit(null, Admission.fresh(spec("t", List.of("b", "a", "b"))), NOW);

        assertThat(outcome.task().lockKeys()).containsExactly("a", "b");
        assertThat(outcome.lockCommands()).containsExactly(LockCommand.acquire("a", "t"));
        assertThat(outcome.events()).extracting(TaskEvent::getState)
                .containsExactly(TaskState.SUBMITTED, TaskState.WAITING_FOR_LOCKS);
    }

    @Test
    void shouldTryEveryKeyAtOnceAndDispatchWhenAllAreGranted() {
        Outcome admitted = lifecycle.admit(null, Admission.fresh(spec("t", List.of("c", "a", "b"))), NOW);
        assertThat(admitted.lockCommands()).containsExactly(LockCommand.tryAcquire("a", "t"),
                LockCommand.tryAcquire("b", "t"), LockCommand.tryAcquire("c", "t"));

        BrokerTask task = admitted.task();
        task = lifecycle.lockGranted(task, new LockGrant("t", "c", 7), NOW + 1).task();
        task = lifecycle.lockGranted(task, new LockGrant("t", "a", 3), NOW + 2).task();
        Outcome last = lifecycle.lockGranted(task, new LockGrant("t", "b", 5), NOW + 3);

        assertThat(last.task().state()).isEqualTo(TaskState.DISPATCHED);
        assertThat(last.task().lockEpochs()).containsExactly(3L, 5L, 7L);
        assertThat(last.lockCommands()).isEmpty();
        assertThat(last.lockWaitMs()).isEqualTo(3L);
    }

    @Test
    void shouldKeepTheGrantedKeysBeforeTheFirstRefusalGiveBackTheOthersAndQueueForTheRefusedOne() {
        BrokerTask task = lifecycle.admit(null, Admission.fresh(spec("t", List.of("a", "b", "c", "d"))), NOW).task();
        task = lifecycle.lockGranted(task, new LockGrant("t", "a", 1), NOW).task();
        task = lifecycle.lockGranted(task, LockGrant.refusal("t", "b"), NOW).task();
        task = lifecycle.lockGranted(task, LockGrant.refusal("t", "d"), NOW).task();
        Outcome answered = lifecycle.lockGranted(task, new LockGrant("t", "c", 4), NOW);

        assertThat(answered.lockCommands()).containsExactly(LockCommand.release("c", "t"),
                LockCommand.acquire("b", "t"));
        assertThat(answered.task().tryingLocks()).isFalse();
        assertThat(answered.task().locksHeld()).isEqualTo(1);
        assertThat(answered.task().lockEpochs()).containsExactly(1L);
        assertThat(answered.task().nextLockKey()).isEqualTo("b");
    }

    @Test
    void shouldReleaseEveryKeyWhenTheQueueTimeoutEndsATryPhase() {
        BrokerTask task = lifecycle.admit(null, Admission.fresh(spec("t", List.of("a", "b", "c"))), NOW).task();
        task = lifecycle.lockGranted(task, new LockGrant("t", "b", 2), NOW).task();

        Outcome timedOut = lifecycle.deadlineReached(task, task.deadline());

        // "a" and "c" are unanswered: their tries may have been granted already; each RELEASE follows its TRY.
        assertThat(timedOut.lockCommands()).containsExactly(LockCommand.release("a", "t"),
                LockCommand.release("b", "t"), LockCommand.release("c", "t"));
        assertThat(timedOut.task().state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(lifecycle.lockGranted(timedOut.task(), LockGrant.refusal("t", "a"), NOW).lockCommands())
                .as("a refusal holds nothing to give back").isEmpty();
    }

    @Test
    void shouldNotActOnADeadlineBeforeItIsDue() {
        BrokerTask dispatched = lifecycle.admit(null, Admission.fresh(spec("t", List.of())), NOW).task();

        Outcome early = lifecycle.deadlineReached(dispatched, dispatched.deadline() - 1);
        Outcome due = lifecycle.deadlineReached(dispatched, dispatched.deadline());

        assertThat(early.changed()).isFalse();
        assertThat(due.events()).extracting(TaskEvent::getState).containsExactly(TaskState.TIMED_OUT,
                TaskState.ROLLING_BACK);
        assertThat(due.timeoutLatenessMs()).isZero();
    }

    /** When the task got each key, for people (ADR 0014): how long it waited for each one. */
    @Test
    void shouldShowHowLongATaskWaitedForEachKey() {
        BrokerTask waiting = oneByOne.admit(null, Admission.fresh(spec("t", List.of("a", "b", "c"))), NOW).task();
        BrokerTask holdsA = oneByOne.lockGranted(waiting, new LockGrant("t", "a", 4), NOW + 10).task();
        BrokerTask holdsB = oneByOne.lockGranted(holdsA, new LockGrant("t", "b", 6), NOW + 250).task();

        List<TaskView.KeyLock> locks = TaskView.of(holdsB, "here").locks();

        assertThat(locks).extracting(TaskView.KeyLock::status).containsExactly("HELD", "HELD", "WAITING");
        assertThat(locks).extracting(TaskView.KeyLock::waitedMs).containsExactly(10L, 240L, null);
        assertThat(locks.get(2).waitingSince()).isEqualTo(Instant.ofEpochMilli(NOW + 250));
        assertThat(locks).extracting(TaskView.KeyLock::epoch).containsExactly(4L, 6L, null);

        BrokerTask dispatched = oneByOne.lockGranted(holdsB, new LockGrant("t", "c", 9), NOW + 260).task();
        assertThat(TaskView.of(dispatched, "here").locks()).extracting(TaskView.KeyLock::waitedMs)
                .containsExactly(10L, 240L, 10L);
        BrokerTask timedOut = oneByOne.deadlineReached(holdsB, holdsB.deadline()).task();
        assertThat(timedOut.state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(TaskView.of(timedOut, "here").locks()).extracting(TaskView.KeyLock::status)
                .containsExactly("RELEASED", "RELEASED", "NOT_HELD");
    }

    @Test
    void shouldShowEveryKeyBeingTriedAtOnce() {
        BrokerTask trying = lifecycle.admit(null, Admission.fresh(spec("t", List.of("a", "b"))), NOW).task();

        assertThat(TaskView.of(trying, "here").locks()).extracting(TaskView.KeyLock::status)
                .containsExactly("TRYING", "TRYING");
        BrokerTask held = lifecycle.lockGranted(lifecycle.lockGranted(trying, new LockGrant("t", "a", 1), NOW + 5)
                .task(), new LockGrant("t", "b", 2), NOW + 7).task();
        assertThat(TaskView.of(held, "here").locks()).extracting(TaskView.KeyLock::waitedMs).containsExactly(7L, 0L);
    }

    @Test
    void shouldReleaseHeldKeysAndLeaveTheQueueOfTheAwaitedKeyOnQueueTimeout() {
        BrokerTask waiting = oneByOne.admit(null, Admission.fresh(spec("t", List.of("a", "b", "c"))), NOW).task();
        BrokerTask holdsA = oneByOne.lockGranted(waiting, new LockGrant("t", "a"), NOW + 1).task();

        Outcome timedOut = oneByOne.deadlineReached(holdsA, holdsA.deadline());

        assertThat(timedOut.lockCommands()).containsExactly(LockCommand.release("a", "t"), LockCommand.release("b", "t"));
        assertThat(timedOut.task().state()).isEqualTo(TaskState.ROLLED_BACK);
        assertThat(timedOut.task().deadlinePhase()).isEqualTo(Phase.RETENTION);
    }

    @Test
    void shouldGiveBackAGrantThatArrivesAfterTheTaskStoppedWaiting() {
        BrokerTask waiting = lifecycle.admit(null, Admission.fresh(spec("t", List.of("a"))), NOW).task();
        BrokerTask cancelled = lifecycle.command(waiting, TaskCommand.newBuilder().setTaskId("t")
                .setCommand(TaskCommandType.CANCEL).setRequestedAt(Instant.ofEpochMilli(NOW)).build(), NOW).task();

        Outcome lateGrant = lifecycle.lockGranted(cancelled, new LockGrant("t", "a"), NOW + 5);

        assertThat(lateGrant.changed()).isFalse();
        assertThat(lateGrant.lockCommands()).containsExactly(LockCommand.release("a", "t"));
        assertThat(lateGrant.work()).isEmpty();
    }

    @Test
    void shouldIgnoreACompensationReport() {
        BrokerTask dispatched = lifecycle.admit(null, Admission.fresh(spec("t", List.of())), NOW).task();
        TaskResult compensation = TaskResult.newBuilder().setTaskId("t").setKind(WorkKind.COMPENSATE).setAttempt(1)
                .setFencingToken(1).setSucceeded(true).setStartedAt(Instant.EPOCH).setFinishedAt(Instant.EPOCH).build();

        assertThat(lifecycle.result(dispatched, compensation, NOW).changed()).isFalse();
    }
}

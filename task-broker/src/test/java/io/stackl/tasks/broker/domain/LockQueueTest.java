package io.stackl.tasks.broker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One key's lock: first come, first served, no task queued twice, and a try that never overtakes the queue. */
class LockQueueTest {

    @Test
    void shouldGrantAFreeKeyAtOnce() {
        LockQueue.Step step = LockQueue.FREE.acquire("a");

        assertThat(step.grantedTo()).isEqualTo("a");
        assertThat(step.queue()).isEqualTo(new LockQueue("a", List.of()));
    }

    @Test
    void shouldHandTheKeyOnInTheOrderTasksAsked() {
        LockQueue queue = LockQueue.FREE.acquire("a").queue().acquire("b").queue().acquire("c").queue();
        assertThat(queue).isEqualTo(new LockQueue("a", List.of("b", "c")));

        LockQueue.Step first = queue.release("a");
        assertThat(first.grantedTo()).isEqualTo("b");
        LockQueue.Step second = first.queue().release("b");
        assertThat(second.grantedTo()).isEqualTo("c");
        LockQueue.Step last = second.queue().release("c");
        assertThat(last.grantedTo()).isNull();
        assertThat(last.queue().isFree()).isTrue();
    }

    @Test
    void shouldNotQueueATaskTwiceWhenItsRequestComesAgain() {
        LockQueue queue = LockQueue.FREE.acquire("a").queue().acquire("b").queue();

        LockQueue.Step holderAgain = queue.acquire("a");
        LockQueue.Step waiterAgain = queue.acquire("b");

        assertThat(holderAgain.queue()).isEqualTo(queue);
        assertThat(holderAgain.grantedTo()).as("no second grant of a key already held").isNull();
        assertThat(waiterAgain.queue()).isEqualTo(queue);
        assertThat(waiterAgain.grantedTo()).isNull();
    }

    @Test
    void shouldRefuseATryOnAHeldKeyWithoutQueueingIt() {
        LockQueue queue = LockQueue.FREE.acquire("a").queue().acquire("b").queue();

        LockQueue.Step tried = queue.tryAcquire("c");

        assertThat(tried.grantedTo()).isNull();
        assertThat(tried.queue()).as("a try never waits, so it is never in the queue").isEqualTo(queue);
        assertThat(tried.answer(LockCommand.tryAcquire("k", "c"), 7))
                .isEqualTo(LockGrant.refusal("c", "k"));
    }

    @Test
    void shouldGrantATryOnAFreeKeyAndAgainToItsHolder() {
        LockQueue.Step tried = LockQueue.FREE.tryAcquire("a");
        assertThat(tried.grantedTo()).isEqualTo("a");
        assertThat(tried.answer(LockCommand.tryAcquire("k", "a"), 7)).isEqualTo(new LockGrant("a", "k", 7));

        // A try sent again (a replay after a crash) is answered the same way, with the key still held once.
        LockQueue.Step again = tried.queue().tryAcquire("a");
        assertThat(again.grantedTo()).isEqualTo("a");
        assertThat(again.queue()).isEqualTo(tried.queue());
    }

    @Test
    void shouldLetAWaiterLeaveTheQueueWithoutTouchingTheHolder() {
        LockQueue queue = LockQueue.FREE.acquire("a").queue().acquire("b").queue().acquire("c").queue();

        LockQueue.Step step = queue.release("b");

        assertThat(step.grantedTo()).isNull();
        assertThat(step.queue()).isEqualTo(new LockQueue("a", List.of("c")));
        assertThat(step.queue().release("a").grantedTo()).as("b left: c is next").isEqualTo("c");
    }

    @Test
    void shouldIgnoreAReleaseFromATaskThatNeitherHoldsNorWaits() {
        LockQueue queue = LockQueue.FREE.acquire("a").queue();

        assertThat(queue.release("stranger").queue()).isEqualTo(queue);
        assertThat(LockQueue.FREE.release("stranger").queue().isFree()).isTrue();
    }

    @Test
    void shouldAnswerAQueuedAcquireWithNothingUntilItsTurn() {
        LockQueue queue = LockQueue.FREE.acquire("a").queue();

        LockQueue.Step queued = queue.apply(LockCommand.acquire("k", "b"));

        assertThat(queued.answer(LockCommand.acquire("k", "b"), 3)).isNull();
        LockQueue.Step handOff = queued.queue().apply(LockCommand.release("k", "a"));
        assertThat(handOff.answer(LockCommand.release("k", "a"), 4))
                .as("the grant goes to the next task, numbered with the releasing command's epoch")
                .isEqualTo(new LockGrant("b", "k", 4));
    }

    /** The times say since when someone holds or waits (ADR 0014); a step never reads them. */
    @Test
    void shouldStampNewHoldersAndWaitersAndKeepTheTimesOfThoseWhoStay() {
        LockQueue held = LockQueue.FREE.acquire("a").queue().stampedAt(100);
        LockQueue queued = held.acquire("b").queue().stampedAt(200).acquire("c").queue().stampedAt(300);

        assertThat(queued.heldSince()).isEqualTo(100);
        assertThat(queued.waitingSince()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("b", 200L, "c", 300L));

        LockQueue handedOn = queued.release("a").queue().stampedAt(400);
        assertThat(handedOn.holder()).isEqualTo("b");
        assertThat(handedOn.heldSince()).as("b holds since the hand-off, not since it queued").isEqualTo(400);
        assertThat(handedOn.waitingSince()).containsExactlyEntriesOf(java.util.Map.of("c", 300L));

        LockQueue left = handedOn.release("c").queue().stampedAt(500);
        assertThat(left.waitingSince()).as("a waiter that left has no time").isEmpty();
        assertThat(left.heldSince()).isEqualTo(400);
        assertThat(left.release("b").queue().stampedAt(600).isFree()).isTrue();
    }

    /**
     * A command that changes nothing leaves a stamped queue equal to itself, later clock or not: the lock processor
     * then writes nothing, so the times add no store write or changelog record to a repeated or stray command.
     */
    @Test
    void shouldLeaveAStampedQueueEqualWhenACommandChangesNothing() {
        LockQueue stamped = LockQueue.FREE.acquire("a").queue().stampedAt(1).acquire("b").queue().stampedAt(2);

        for (LockCommand command : java.util.List.of(LockCommand.acquire("k", "a"), LockCommand.acquire("k", "b"),
                LockCommand.release("k", "stranger"), LockCommand.tryAcquire("k", "c"))) {
            assertThat(stamped.apply(command).queue().stampedAt(99)).as(command.toString()).isEqualTo(stamped);
        }
    }

    @Test
    void shouldDecideTheSameWhateverTheTimes() {
        LockQueue stamped = LockQueue.FREE.acquire("a").queue().stampedAt(1).acquire("b").queue().stampedAt(2);
        LockQueue plain = LockQueue.FREE.acquire("a").queue().acquire("b").queue();

        for (LockCommand command : java.util.List.of(LockCommand.release("k", "a"), LockCommand.acquire("k", "c"),
                LockCommand.tryAcquire("k", "c"), LockCommand.release("k", "b"))) {
            assertThat(stamped.apply(command).grantedTo()).isEqualTo(plain.apply(command).grantedTo());
            assertThat(stamped.apply(command).queue().holder()).isEqualTo(plain.apply(command).queue().holder());
            assertThat(stamped.apply(command).queue().waiters()).isEqualTo(plain.apply(command).queue().waiters());
        }
    }

    /** A queue written before ADR 0014 reads with no times, and is the same queue. */
    @Test
    void shouldReadAQueueWrittenBeforeTimesWereKept() {
        io.stackl.tasks.broker.store.JsonSerde<LockQueue> serde =
                new io.stackl.tasks.broker.store.JsonSerde<>(LockQueue.class);

        LockQueue old = serde.deserializer().deserialize("t",
                "{\"holder\":\"a\",\"waiters\":[\"b\"],\"free\":false}".getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));

        assertThat(old).isEqualTo(new LockQueue("a", List.of("b")));
        assertThat(old.heldSince()).isNull();
        LockQueue stamped = old.stampedAt(7);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", stamped)))
                .isEqualTo(stamped);
    }
}

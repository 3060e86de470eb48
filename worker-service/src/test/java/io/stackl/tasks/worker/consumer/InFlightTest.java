package io.stackl.tasks.worker.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Items finish in any order; a partition's offset is committed only past items whose results were acknowledged. */
class InFlightTest {

    private static final TopicPartition P0 = new TopicPartition("task-work.noop", 0);
    private static final TopicPartition P1 = new TopicPartition("task-work.noop", 1);

    @Test
    void shouldCommitOnlyUpToTheOldestUnfinishedItem() {
        InFlight inFlight = new InFlight();
        InFlight.Entry slow = inFlight.add(P0, 10);
        InFlight.Entry fast = inFlight.add(P0, 11);
        InFlight.Entry other = inFlight.add(P1, 5);

        fast.startSending();
        fast.done();
        other.startSending();
        other.done();
        assertThat(inFlight.unfinished()).isEqualTo(1);
        assertThat(inFlight.advance()).isEqualTo(Map.of(P1, new OffsetAndMetadata(6)));

        slow.startSending();
        assertThat(inFlight.unfinished()).as("sent, not yet acknowledged").isEqualTo(1);
        assertThat(inFlight.advance()).isEmpty();
        slow.done();
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(12)));
        assertThat(inFlight.advance()).isEmpty();
    }

    @Test
    void shouldNeverSendAfterTheDeadlineHasStoppedAnItem() {
        InFlight inFlight = new InFlight();
        InFlight.Entry late = inFlight.add(P0, 0);
        InFlight.Entry early = inFlight.add(P0, 1);

        assertThat(late.expire()).isTrue();
        assertThat(late.startSending()).as("a result that comes after the deadline").isFalse();
        assertThat(early.startSending()).isTrue();
        assertThat(early.expire()).as("the deadline after the result is on its way").isFalse();
        early.done();
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void shouldTakeAPartitionAgainFromItsOldestUnfinishedItemWhenAResultCouldNotBeSent() {
        InFlight inFlight = new InFlight();
        InFlight.Entry first = inFlight.add(P0, 3);
        InFlight.Entry second = inFlight.add(P0, 4);
        InFlight.Entry third = inFlight.add(P0, 5);
        InFlight.Entry elsewhere = inFlight.add(P1, 0);

        first.done();
        second.startSending();
        second.failed();
        third.done();
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(4)));
        assertThat(inFlight.takeFailed()).isEqualTo(Map.of(P0, 4L));
        assertThat(inFlight.takeFailed()).isEmpty();

        inFlight.forget(List.of(P1));
        elsewhere.done();
        assertThat(inFlight.advance()).as("revoked: not ours to commit").isEmpty();
        assertThat(inFlight.unfinished()).isZero();
    }
}

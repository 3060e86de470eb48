package io.stackl.tasks.worker.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Items finish in any order; a partition's offset is committed only past items whose results were acknowledged. */
class InFlightTest {

    private static final TopicPartition P0 = new TopicPartition("task-work.noop", 0);
    private static final TopicPartition P1 = new TopicPartition("task-work.noop", 1);
    private static final ProducerRecord<String, byte[]> RESULT = new ProducerRecord<>("task-results", "t", new byte[0]);

    @Test
    void shouldCommitOnlyUpToTheOldestUnfinishedItem() {
        InFlight inFlight = new InFlight();
        InFlight.Entry slow = inFlight.add(P0, 10);
        InFlight.Entry fast = inFlight.add(P0, 11);
        InFlight.Entry other = inFlight.add(P1, 5);

        fast.startSending(RESULT, null);
        fast.done();
        other.startSending(RESULT, null);
        other.done();
        assertThat(inFlight.unfinished()).isEqualTo(1);
        assertThat(inFlight.advance()).isEqualTo(Map.of(P1, new OffsetAndMetadata(6)));

        slow.startSending(RESULT, null);
        assertThat(inFlight.unfinished()).as("sent, not yet acknowledged").isEqualTo(1);
        assertThat(inFlight.advance()).isEmpty();
        slow.done();
        assertThat(inFlight.tracked(P0)).as("the finished one waits behind the slow one").isEqualTo(2);
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(12)));
        assertThat(inFlight.advance()).isEmpty();
        assertThat(inFlight.tracked(P0)).isZero();
    }

    @Test
    void shouldNeverSendAfterTheDeadlineHasStoppedAnItem() {
        InFlight inFlight = new InFlight();
        InFlight.Entry late = inFlight.add(P0, 0);
        InFlight.Entry early = inFlight.add(P0, 1);

        assertThat(late.expire()).isTrue();
        assertThat(late.startSending(RESULT, null)).as("a result that comes after the deadline").isFalse();
        assertThat(early.startSending(RESULT, null)).isTrue();
        assertThat(early.expire()).as("the deadline after the result is on its way").isFalse();
        early.done();
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void shouldSendAgainAResultWhoseSendFailedAndCommitOnlyOnceItIsAcknowledged() {
        InFlight inFlight = new InFlight();
        InFlight.Entry first = inFlight.add(P0, 3);
        InFlight.Entry second = inFlight.add(P0, 4);
        InFlight.Entry third = inFlight.add(P0, 5);
        InFlight.Entry elsewhere = inFlight.add(P1, 0);

        first.done();
        second.startSending(RESULT, null);
        second.sendFailed();
        third.done();
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(4)));
        assertThat(inFlight.unfinished()).as("the failed send holds its slot").isEqualTo(2);

        assertThat(inFlight.takeFailedSends()).singleElement().satisfies(e -> assertThat(e.output()).isSameAs(RESULT));
        assertThat(inFlight.takeFailedSends()).as("claimed once").isEmpty();
        assertThat(inFlight.advance()).isEmpty();
        second.done();
        assertThat(inFlight.advance()).isEqualTo(Map.of(P0, new OffsetAndMetadata(6)));

        inFlight.forget(List.of(P1));
        elsewhere.done();
        assertThat(inFlight.advance()).as("revoked: not ours to commit").isEmpty();
        assertThat(inFlight.committable(List.of(P0, P1))).isEqualTo(Map.of(P0, new OffsetAndMetadata(6)));
        assertThat(inFlight.unfinished()).isZero();
    }

    @Test
    void shouldStillResendAndCountTheItemsOfAPartitionTakenAway() {
        InFlight inFlight = new InFlight();
        InFlight.Entry sending = inFlight.add(P1, 7);
        sending.startSending(RESULT, null);

        inFlight.forget(List.of(P1));
        sending.sendFailed();
        assertThat(inFlight.unfinished()).as("its slot stays taken until it is sent").isEqualTo(1);
        assertThat(inFlight.takeFailedSends()).containsExactly(sending);
        sending.done();
        assertThat(inFlight.unfinished()).isZero();
        assertThat(inFlight.takeFailedSends()).isEmpty();
        assertThat(inFlight.committable(List.of(P1))).isEmpty();
    }
}

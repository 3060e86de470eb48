package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.BrokerDriver.request;
import static io.stackl.tasks.schema.TaskState.ROLLING_BACK;
import static io.stackl.tasks.schema.TaskState.TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Deadline scans scheduled by deadline (ADR 0018): a scan runs when the earliest deadline is due, at once again when
 * one scan could not take everything due, and otherwise at most {@code deadline-scan.interval} apart. Kafka Streams
 * commits a stream task after every wall-clock punctuation, so the number of scans is the number of idle commits.
 */
class DeadlineScheduleTopologyTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final int MAX_ENTRIES = 10;

    private final BrokerDriver broker = new BrokerDriver(
            BrokerSettings.defaults(Set.of("document", "noop")).withDeadlineScan(INTERVAL, MAX_ENTRIES));

    @AfterEach
    void close() {
        broker.assertLifecycleInvariants();
        broker.close();
    }

    @Test
    void shouldTimeOutAtTheDeadlineItselfNotAtTheNextInterval() {
        // 2,300 ms is not a multiple of the interval: a periodic scan would see it 700 ms late.
        broker.submit(request("t1").setExecutionTimeoutMs(2_300L).build());
        broker.work("noop");
        broker.events();

        broker.advanceMs(2_299);
        assertThat(broker.states("t1")).isEmpty();
        broker.advanceMs(1);

        assertThat(broker.states("t1")).containsExactly(TIMED_OUT, ROLLING_BACK);
        assertThat(broker.latenesses).containsExactly(0L);
    }

    @Test
    void shouldBringTheNextScanForwardForADeadlineEarlierThanIt() {
        broker.submit(request("long").setExecutionTimeoutMs(60_000L).build());
        broker.advanceMs(100);
        broker.submit(request("short").setExecutionTimeoutMs(250L).build());
        broker.work("noop");
        broker.events();

        broker.advanceMs(250);

        assertThat(broker.states("short")).containsExactly(TIMED_OUT, ROLLING_BACK);
        assertThat(broker.states("long")).isEmpty();
        assertThat(broker.latenesses).containsExactly(0L);
    }

    @Test
    void shouldTakeTheRestOfABurstInTheNextLoopNotAnIntervalLater() {
        int tasks = 3 * MAX_ENTRIES + 5;
        for (int i = 0; i < tasks; i++) {
            broker.submit(request("t" + i).setExecutionTimeoutMs(2_000L).build());
        }
        broker.work("noop");
        broker.events();

        broker.advanceMs(2_000);
        long afterFirstScan = timedOut();
        for (int loop = 0; loop < 3; loop++) {
            broker.advanceMs(1);
        }

        assertThat(afterFirstScan).isEqualTo(MAX_ENTRIES);
        assertThat(afterFirstScan + timedOut()).isEqualTo(tasks);
        assertThat(broker.latenesses).hasSize(tasks).allSatisfy(l -> assertThat(l).isBetween(0L, 3L));
    }

    private long timedOut() {
        return broker.events().stream().map(TaskEvent::getState).filter(TaskState.TIMED_OUT::equals).count();
    }
}

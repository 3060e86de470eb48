package io.stackl.tasks.broker.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An idle partition, with the default settings, is scanned for deadlines once a second (ADR 0018). Every scan is a
 * commit of the partition: ten a second, the fixed beat before, cost an idle Kafka about 40 % more CPU.
 */
class IdleDeadlineScanTopologyTest {

    private final BrokerDriver broker = BrokerDriver.withDefaults();

    @AfterEach
    void close() {
        broker.close();
    }

    @Test
    void shouldScanAnIdlePartitionOnceASecondByDefault() {
        broker.advanceMs(1); // the first scan, at start-up, looks at what a restored store holds
        int atStart = broker.deadlineScans;

        for (int i = 0; i < 1_000; i++) {
            broker.advanceMs(10); // 10 s of a stream thread's poll loop with nothing to do
        }

        assertThat(broker.deadlineScans - atStart).isEqualTo(10);
    }
}

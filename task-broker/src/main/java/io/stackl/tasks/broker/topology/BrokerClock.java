package io.stackl.tasks.broker.topology;

/**
 * The clocks the task processor reads besides the time Kafka Streams hands it, which is the time its loop started. A
 * {@code TopologyTestDriver} test gives both from the driver's mocked wall clock.
 */
public interface BrokerClock {

    /** For durations: the deadline scan's time budget. */
    long nanos();

    /** The wall clock read now, as Kafka Streams reads it when it schedules a punctuation. */
    long wallMillis();

    BrokerClock SYSTEM = new BrokerClock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    };
}

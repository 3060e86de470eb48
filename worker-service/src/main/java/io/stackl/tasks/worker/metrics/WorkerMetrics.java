package io.stackl.tasks.worker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;

/** The worker's meters. Topic and subtype tags come from work items the broker validated against its topic list. */
@ApplicationScoped
public class WorkerMetrics {

    public static final String HANDLER_DURATION = "tasks.handler.duration";
    public static final String IN_FLIGHT = "tasks.worker.in.flight";
    /** Work items this instance runs at once (max-parallel): in.flight / capacity is its saturation. */
    public static final String CAPACITY = "tasks.worker.capacity";
    public static final String FAILURES = "tasks.worker.failures";
    public static final String COMPENSATIONS = "tasks.worker.compensations";
    public static final String LATE = "tasks.worker.deadline.exceeded";
    public static final String SECOND_RUNS = "tasks.worker.second.runs";
    public static final String CLOCK_BEHIND = "tasks.worker.clock.behind.seconds";

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger capacity = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong clockBehindMs = new java.util.concurrent.atomic.AtomicLong();

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge(IN_FLIGHT, inFlight);
        registry.gauge(CAPACITY, capacity);
        registry.gauge(CLOCK_BEHIND, clockBehindMs, ms -> ms.get() / 1000.0);
        // Known series start at 0, so that Prometheus' increase() sees their first event (alerts depend on it).
        registry.counter(COMPENSATIONS, "outcome", "undone");
        registry.counter(COMPENSATIONS, "outcome", "failed");
    }

    /** Starts the per-topic counters at 0 for the topics this worker serves, which it runs up to maxParallel at once. */
    public void serving(Collection<String> topics, int maxParallel) {
        capacity.set(maxParallel);
        for (String topic : topics) {
            registry.counter(FAILURES, "task.topic", topic);
            registry.counter(LATE, "task.topic", topic);
            registry.counter(SECOND_RUNS, "task.topic", topic);
        }
    }

    /**
     * A work item arrived: the broker stamped {@code dispatchedAt} with its clock before sending it, so an instant in
     * this worker's future means this worker's clock is behind the broker's by at least that much. Deadlines are the
     * broker's instants: a worker whose clock is behind stops its handlers after the broker has timed them out. (A
     * clock ahead cannot be seen from one message; it stops handlers early, which is safe.)
     */
    public void received(java.time.Instant dispatchedAt, java.time.Instant now) {
        clockBehindMs.set(Math.max(0, dispatchedAt.toEpochMilli() - now.toEpochMilli()));
    }

    public void started() {
        inFlight.incrementAndGet();
    }

    public void finished() {
        inFlight.decrementAndGet();
    }

    public void handled(String topic, String subtype, String outcome, Duration took) {
        // Buckets from 1 ms to 10 min, so that a task topic's dashboard shows percentiles per subtype.
        Timer.builder(HANDLER_DURATION).tag("task.topic", topic).tag("task.subtype", subtype).tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10)).register(registry).record(took);
        if (!"success".equals(outcome)) {
            registry.counter(FAILURES, "task.topic", topic).increment();
        }
    }

    public void deadlineExceeded(String topic) {
        registry.counter(LATE, "task.topic", topic).increment();
    }

    /** A redelivered work item ran while another execution of the same attempt had written: it sent no result. */
    public void secondRun(String topic) {
        registry.counter(SECOND_RUNS, "task.topic", topic).increment();
    }

    public void compensated(boolean succeeded) {
        registry.counter(COMPENSATIONS, "outcome", succeeded ? "undone" : "failed").increment();
    }

    /** The registry, for meters that others bind (a Kafka client's, through KafkaClientMeters). */
    public MeterRegistry registry() {
        return registry;
    }
}

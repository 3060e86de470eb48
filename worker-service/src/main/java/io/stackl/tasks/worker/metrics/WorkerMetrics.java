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
    public static final String FAILURES = "tasks.worker.failures";
    public static final String COMPENSATIONS = "tasks.worker.compensations";
    public static final String LATE = "tasks.worker.deadline.exceeded";

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();

    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge(IN_FLIGHT, inFlight);
        // Known series start at 0, so that Prometheus' increase() sees their first event (alerts depend on it).
        registry.counter(COMPENSATIONS, "outcome", "undone");
        registry.counter(COMPENSATIONS, "outcome", "failed");
    }

    /** Starts the per-topic counters at 0 for the topics this worker serves. */
    public void serving(Collection<String> topics) {
        for (String topic : topics) {
            registry.counter(FAILURES, "task.topic", topic);
            registry.counter(LATE, "task.topic", topic);
        }
    }

    public void started() {
        inFlight.incrementAndGet();
    }

    public void finished() {
        inFlight.decrementAndGet();
    }

    public void handled(String topic, String subtype, String outcome, Duration took) {
        Timer.builder(HANDLER_DURATION).tag("task.topic", topic).tag("task.subtype", subtype).tag("outcome", outcome)
                .register(registry).record(took);
        if (!"success".equals(outcome)) {
            registry.counter(FAILURES, "task.topic", topic).increment();
        }
    }

    public void deadlineExceeded(String topic) {
        registry.counter(LATE, "task.topic", topic).increment();
    }

    public void compensated(boolean succeeded) {
        registry.counter(COMPENSATIONS, "outcome", succeeded ? "undone" : "failed").increment();
    }
}

package io.stackl.tasks.history.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The history service's meters; tags never carry ids. */
@ApplicationScoped
public class HistoryMetrics {

    public static final String WRITES = "tasks.history.document.writes";
    public static final String REFUSALS = "tasks.history.document.refusals";
    public static final String ROLLBACKS = "tasks.history.rollbacks";
    public static final String EVENTS = "tasks.history.events.stored";
    public static final String POISON = "tasks.dead.letters";

    private final MeterRegistry registry;
    private final Timer writes;
    private final Timer eventBatches;

    HistoryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.writes = Timer.builder(WRITES).description("Fenced document writes (snapshot + write)").register(registry);
        this.eventBatches = Timer.builder(EVENTS + ".batch").description("Transactions storing lifecycle events")
                .register(registry);
        // Known series start at 0, so that Prometheus' increase() sees their first event (alerts depend on it).
        registry.counter(EVENTS);
        for (String reason : List.of("task-sealed", "task-not-in-flight", "stale-fencing-token",
                "undeclared-document-key", "task-not-yet-known")) {
            registry.counter(REFUSALS, "reason", reason);
        }
        for (String topic : List.of(Topics.TASK_EVENTS.name(), Topics.TASK_RESULTS.name(),
                Topics.TASK_ROLLBACKS.name())) {
            registry.counter(POISON, "source.topic", topic);
        }
    }

    public void written(long nanos) {
        writes.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void refused(String problemType) {
        registry.counter(REFUSALS, "reason", problemType.substring(problemType.lastIndexOf('/') + 1)).increment();
    }

    public void rollback(String outcome, long nanos) {
        Timer.builder(ROLLBACKS).description("Rollbacks carried out, by outcome").tag("outcome", outcome)
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void eventsStored(int count, long nanos) {
        registry.counter(EVENTS).increment(count);
        eventBatches.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void deadLettered(String topic) {
        registry.counter(POISON, "source.topic", topic).increment();
    }
}

package io.stackl.tasks.history.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/** The history service's meters; tags never carry ids. */
@ApplicationScoped
public class HistoryMetrics {

    public static final String WRITES = "tasks.history.document.writes";
    public static final String REFUSALS = "tasks.history.document.refusals";
    public static final String ROLLBACKS = "tasks.history.rollbacks";
    public static final String EVENTS = "tasks.history.events.stored";
    public static final String POISON = "tasks.dead.letters";
    public static final String FENCE_WAITS = "tasks.history.fence.waits";
    public static final String FENCE_LISTENING = "tasks.history.fence.listening";
    public static final String FENCE_ANNOUNCEMENTS_LOST = "tasks.history.fence.announcements.lost";

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
        for (String outcome : List.of("told", "woken", "timed-out")) {
            fenceWaits(outcome);
        }
        registry.counter(FENCE_ANNOUNCEMENTS_LOST);
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

    /** A write's wait for its fence ended: {@code told} by its announcement, {@code woken} by the listener, or not. */
    public void fenceWaited(String outcome, long nanos) {
        fenceWaits(outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer fenceWaits(String outcome) {
        return Timer.builder(FENCE_WAITS).description("Writes that came before their fence, waiting to be told of it")
                .tag("outcome", outcome).register(registry);
    }

    public void fenceAnnouncementsLost(int count) {
        registry.counter(FENCE_ANNOUNCEMENTS_LOST).increment(count);
    }

    /** 1 while {@code listening} says the instance hears fence arrivals. */
    public <T> void fenceListening(T source, ToDoubleFunction<T> listening) {
        registry.gauge(FENCE_LISTENING, List.of(), source, listening);
    }

    /** The registry, for meters that others bind (a Kafka client's, through KafkaClientMeters). */
    public MeterRegistry registry() {
        return registry;
    }
}

package io.stackl.tasks.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stackl.tasks.broker.config.BrokerConfig;
import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The broker's meters (Micrometer, rendered for Prometheus under /q/metrics). Tags never carry ids. */
@ApplicationScoped
public class BrokerMetrics implements TaskObserver {

    public static final String TRANSITIONS = "tasks.transitions";
    public static final String IGNORED = "tasks.inputs.ignored";
    public static final String DEAD_LETTERS = "tasks.dead.letters";
    public static final String TIMEOUT_LATENESS = "tasks.timeout.lateness";
    public static final String TIMEOUTS_EARLY = "tasks.timeouts.early";
    public static final String LOCK_WAIT = "tasks.lock.wait";
    public static final String DEADLINE_SCAN = "tasks.deadline.scan";
    public static final String ROLLBACKS_OVERDUE = "tasks.rollbacks.overdue";
    /** Retries scheduled (ADR 0012), by task topic and the failure code of the attempt undone. */
    public static final String RETRIES = "tasks.retries";
    /** Attempts a task took, recorded when it ends. */
    public static final String ATTEMPTS = "tasks.attempts";

    private final MeterRegistry registry;
    private final Set<String> taskTopics;
    private final Map<String, Counter> transitions = new ConcurrentHashMap<>();
    /** Per task topic, looked up once: every terminal event records into one. */
    private final Map<String, DistributionSummary> attempts = new ConcurrentHashMap<>();
    private final Timer lateness;
    private final Counter early;
    private final Timer lockWait;
    private final Timer deadlineScan;
    private final Counter rollbacksOverdue;

    BrokerMetrics(MeterRegistry registry, BrokerConfig config) {
        this.registry = registry;
        this.taskTopics = Set.copyOf(config.taskTopics());
        this.lateness = Timer.builder(TIMEOUT_LATENESS)
                .description("How long after its deadline a timeout fired")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        this.early = Counter.builder(TIMEOUTS_EARLY).description("Timeouts that fired before their deadline (must stay 0)")
                .register(registry);
        this.lockWait = Timer.builder(LOCK_WAIT).description("Time from acceptance until a task held all its locks")
                .publishPercentileHistogram().register(registry);
        this.deadlineScan = Timer.builder(DEADLINE_SCAN).description("Duration of one deadline scan")
                .register(registry);
        this.rollbacksOverdue = Counter.builder(ROLLBACKS_OVERDUE).description("Rollbacks whose report was overdue:"
                + " the command was sent to the history service again, and the task's locks stay held")
                .register(registry);
        // Counters start at 0 for every value known up front: Prometheus' increase() sees nothing in a series that
        // appears with its first event, so alerts on the first ROLLBACK_FAILED or dead letter would never fire.
        for (String topic : taskTopics) {
            for (TaskState state : TaskState.values()) {
                if (state != TaskState.UNKNOWN) {
                    transitionCounter(state, topic);
                }
            }
        }
        for (String topic : List.of(Topics.TASK_REQUESTS.name(), Topics.TASK_COMMANDS.name(),
                Topics.TASK_RESULTS.name(), Topics.TASK_ROLLBACK_REPORTS.name())) {
            registry.counter(DEAD_LETTERS, "source.topic", topic);
        }
        for (Class<?> input : List.of(TaskRequest.class, TaskCommand.class, TaskResult.class, RollbackReport.class)) {
            registry.counter(IGNORED, "input", input.getSimpleName());
        }
    }

    private Counter transitionCounter(TaskState state, String topic) {
        return transitions.computeIfAbsent(state + "|" + topic, k -> Counter.builder(TRANSITIONS)
                .description("Lifecycle events emitted, by the state entered and the task topic")
                .tag("state", state.toString())
                .tag("task.topic", topic)
                .register(registry));
    }

    @Override
    public void transition(TaskEvent event) {
        // A rejected request may name any topic; only configured ones become tag values.
        String topic = taskTopics.contains(event.getTopic()) ? event.getTopic() : "other";
        transitionCounter(event.getState(), topic).increment();
        if (event.getState() == TaskState.RETRY_WAITING) {
            // The code is the worker's (bounded by the handlers) or EXECUTION_TIMEOUT.
            String code = event.getFailure() == null ? "EXECUTION_TIMEOUT" : event.getFailure().getCode();
            registry.counter(RETRIES, "task.topic", topic, "code", code).increment();
        } else if (TaskStates.isTerminal(event.getState()) && event.getAttempt() > 0) {
            attempts.computeIfAbsent(topic, t -> DistributionSummary.builder(ATTEMPTS)
                    .description("Attempts a dispatched task took, when it ended").tag("task.topic", t)
                    .serviceLevelObjectives(1, 2, 3, 5, 10, 20).register(registry)).record(event.getAttempt());
        }
    }

    @Override
    public void ignored(String input, String why) {
        registry.counter(IGNORED, "input", input).increment();
    }

    @Override
    public void timeoutFired(long latenessMs) {
        if (latenessMs < 0) {
            early.increment();
        }
        lateness.record(Math.max(0, latenessMs), TimeUnit.MILLISECONDS);
    }

    @Override
    public void rollbackOverdue() {
        rollbacksOverdue.increment();
    }

    @Override
    public void lockWait(long waitMs) {
        lockWait.record(waitMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void deadLettered(String topic, Throwable error) {
        registry.counter(DEAD_LETTERS, "source.topic", topic).increment();
    }

    @Override
    public void deadlineScan(int handled, long tookNanos) {
        deadlineScan.record(tookNanos, TimeUnit.NANOSECONDS);
    }
}

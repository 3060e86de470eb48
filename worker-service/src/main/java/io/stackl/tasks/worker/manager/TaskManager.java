package io.stackl.tasks.worker.manager;

import static io.stackl.tasks.schema.ContentRules.storable;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.kit.json.ExactJsonNumbers;
import io.stackl.tasks.schema.CompensationOutcome;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.UndoRecord;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import io.stackl.tasks.worker.handler.HandlerOutcome;
import io.stackl.tasks.worker.handler.HandlerRegistry;
import io.stackl.tasks.worker.handler.TaskHandler;
import io.stackl.tasks.worker.history.HistoryClient;
import io.stackl.tasks.worker.metrics.WorkerMetrics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import io.stackl.tasks.worker.config.WorkerConfig;
import org.jboss.logging.Logger;

/**
 * The seed's Manager: takes a work item from the Worker, has the Handler compute it with a context whose document
 * writes the history service persists (snapshotted and fenced), and turns the outcome into the result the Worker
 * publishes. For a COMPENSATE work item it runs each undo record, newest first, through the handler that recorded it.
 */
@ApplicationScoped
public class TaskManager {

    private static final Logger LOG = Logger.getLogger(TaskManager.class);
    // Numbers exactly as the user wrote them, through to the history service.
    private static final ObjectMapper JSON = ExactJsonNumbers.newMapper();

    private final HandlerRegistry handlers;
    private final HistoryClient history;
    private final WorkerMetrics metrics;
    private final String workerId;

    @Inject
    TaskManager(HandlerRegistry handlers, WorkerMetrics metrics, WorkerConfig config) {
        this(handlers, new HistoryClient(config.historyUrl(), config.historyToken()), metrics, config.id().orElseGet(TaskManager::defaultId));
    }

    public TaskManager(HandlerRegistry handlers, HistoryClient history, WorkerMetrics metrics, String workerId) {
        this.handlers = handlers;
        this.history = history;
        this.metrics = metrics;
        this.workerId = workerId;
    }

    void onStart(@Observes StartupEvent event) {
        // Beside the consumer's start, not before it: a history service that is down must not delay the worker.
        Thread warmUp = new Thread(history::warmUp, "history-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /**
     * Runs the item; null when there is nothing to report: this execution is a second run of an attempt that another
     * execution has claimed (a redelivered work item). Only the claiming execution may end the attempt: a failure
     * reported by the second run would roll the task back while the first one's external call may still be in flight.
     */
    public TaskResult run(WorkItem item) {
        Instant started = Instant.now();
        return item.getKind() == WorkKind.COMPENSATE ? compensate(item, started) : execute(item, started);
    }

    private TaskResult execute(WorkItem item, Instant started) {
        Optional<TaskHandler> handler = handlers.find(item.getTopic(), item.getSubtype());
        HandlerOutcome outcome;
        if (handler.isEmpty()) {
            outcome = HandlerOutcome.failure("NO_HANDLER", "no handler for topic '" + item.getTopic() + "' subtype '"
                    + item.getSubtype() + "'", false);
        } else {
            try {
                outcome = handler.get().handle(new WorkContext(item, history));
                if (outcome == null) {
                    outcome = HandlerOutcome.failure("NO_OUTCOME", "the handler returned nothing", false);
                }
            } catch (HistoryClient.WriteRefusedException e) {
                if (e.problemType().endsWith("/attempt-already-running")) {
                    LOG.infof("second run of an attempt another execution runs, no result sent taskId=%s token=%d",
                            item.getTaskId(), item.getFencingToken());
                    metrics.secondRun(item.getTopic());
                    return null;
                }
                outcome = HandlerOutcome.failure("WRITE_REFUSED", e.getMessage(), false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = HandlerOutcome.failure("INTERRUPTED", "stopped at the deadline", false);
            } catch (Exception e) {
                LOG.debugf(e, "handler failed taskId=%s", item.getTaskId());
                outcome = HandlerOutcome.failure("HANDLER_EXCEPTION", e.getClass().getSimpleName() + ": "
                        + e.getMessage(), true);
            }
        }
        if (outcome instanceof HandlerOutcome.Success success) {
            // What cannot be stored must not become a result: the task fails (and rolls back) with the reason, rather
            // than ending SUCCEEDED with an output that the history service would refuse.
            String problem = ContentRules.jsonProblem("the handler's output", success.outputJson());
            if (problem != null) {
                outcome = HandlerOutcome.failure("INVALID_OUTPUT", problem, false);
            }
        }
        Instant finished = Instant.now();
        metrics.handled(item.getTopic(), item.getSubtype(), outcome instanceof HandlerOutcome.Success ? "success"
                : "failure", java.time.Duration.between(started, finished));
        TaskResult.Builder result = base(item, started, finished);
        if (outcome instanceof HandlerOutcome.Success success) {
            return result.setSucceeded(true).setOutputJson(success.outputJson()).build();
        }
        HandlerOutcome.Failure failure = (HandlerOutcome.Failure) outcome;
        // Messages often quote what an external service said; they are kept, made storable.
        return result.setSucceeded(false).setFailure(TaskFailure.newBuilder().setCode(storable(failure.code()))
                .setMessage(failure.message() == null ? "" : storable(failure.message()))
                .setRetryable(failure.retryable()).build()).build();
    }

    private TaskResult compensate(WorkItem item, Instant started) {
        if (!waitUntilNotBefore(item)) {
            return base(item, started, Instant.now()).setSucceeded(false).setCompensations(List.of())
                    .setFailure(TaskFailure.newBuilder().setCode("INTERRUPTED")
                            .setMessage("stopped before the undo could start").setRetryable(true).build())
                    .build();
        }
        List<CompensationOutcome> outcomes = new ArrayList<>();
        for (UndoRecord undo : item.getUndoRecords()) {
            CompensationOutcome.Builder outcome = CompensationOutcome.newBuilder().setSequence(undo.getSequence());
            Optional<TaskHandler> handler = handlers.find(undo.getHandlerTopic(), undo.getHandlerSubtype());
            try {
                if (handler.isEmpty()) {
                    throw new IllegalStateException("no handler for topic '" + undo.getHandlerTopic() + "' subtype '"
                            + undo.getHandlerSubtype() + "' to undo with");
                }
                boolean undone = handler.get().compensate(JSON.readTree(undo.getUndoJson()), item.getTaskId(),
                        item.getTaskId() + ":undo:" + undo.getSequence());
                outcome.setSucceeded(undone);
                if (!undone) {
                    outcome.setFailure(TaskFailure.newBuilder().setCode("UNDO_REFUSED")
                            .setMessage("the handler could not undo it").setRetryable(false).build());
                }
            } catch (Exception e) {
                outcome.setSucceeded(false).setFailure(TaskFailure.newBuilder().setCode("UNDO_EXCEPTION")
                        .setMessage(storable(e.getClass().getSimpleName() + ": " + e.getMessage())).setRetryable(true)
                        .build());
            }
            outcomes.add(outcome.build());
            metrics.compensated(outcome.getSucceeded());
        }
        boolean allUndone = outcomes.stream().allMatch(CompensationOutcome::getSucceeded);
        return base(item, started, Instant.now()).setSucceeded(allUndone).setCompensations(outcomes)
                .setFailure(allUndone ? null : TaskFailure.newBuilder().setCode("COMPENSATION_FAILED")
                        .setMessage("some undo records could not be undone").setRetryable(false).build())
                .build();
    }

    /**
     * An undo must not overtake the call it undoes: the history service names the instant before which none may start
     * (the rolled-back attempt's deadline plus a grace). False when interrupted while waiting (the worker stops).
     */
    private static boolean waitUntilNotBefore(WorkItem item) {
        if (item.getNotBefore() == null) {
            return true;
        }
        long waitMs = Duration.between(Instant.now(), item.getNotBefore()).toMillis();
        if (waitMs <= 0) {
            return true;
        }
        try {
            Thread.sleep(waitMs);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private TaskResult.Builder base(WorkItem item, Instant started, Instant finished) {
        return TaskResult.newBuilder().setTaskId(item.getTaskId()).setKind(item.getKind()).setAttempt(item.getAttempt())
                .setFencingToken(item.getFencingToken()).setWorkerId(workerId).setStartedAt(started)
                .setFinishedAt(finished);
    }

    private static String defaultId() {
        return ProcessHandle.current().pid() + "@" + System.getenv().getOrDefault("HOSTNAME", "localhost");
    }
}

package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.domain.Admission;
import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.domain.BrokerTask.Phase;
import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.domain.Outcome;
import io.stackl.tasks.broker.domain.TaskLifecycle;
import io.stackl.tasks.broker.store.DeadlineIndex;
import io.stackl.tasks.broker.store.LockTable;
import io.stackl.tasks.broker.topology.BrokerClock;
import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.broker.topology.TopologyNames;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.WorkItem;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Runs the lifecycle of the tasks in its partition: feeds each input to {@link TaskLifecycle}, then writes the
 * task's record and deadline and forwards what the lifecycle decided, all in the same transaction (exactly-once).
 * A wall-clock punctuator fires deadlines even when no record arrives.
 *
 * <p>With local locks (ADR 0017) it also carries out the lock commands for keys on its own partition itself, in the
 * same transaction, and a grant that follows for a task of this partition is fed back to the lifecycle at once: a task
 * that ends hands its key to the next one, which is dispatched, in one step. Commands for keys elsewhere, and grants
 * for tasks elsewhere, still go through the lock topics.
 */
public final class TaskProcessor implements Processor<String, Object, String, Object> {

    private static final Logger LOG = Logger.getLogger(TaskProcessor.class);

    private final BrokerSettings settings;
    private final TaskLifecycle lifecycle;
    private final TaskObserver observer;
    /**
     * Measures the scan's time budget, and schedules the next scan from the time it is; the lifecycle's "now" is
     * always the time Kafka Streams hands the processor.
     */
    private final BrokerClock clock;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, BrokerTask> tasks;
    private DeadlineIndex deadlines;
    /** The next deadline scan, at {@link #scanAt}: the earliest deadline, or the longest wait between scans. */
    private Cancellable deadlineScan;
    private long scanAt = Long.MAX_VALUE;
    /** Null unless local locks are on. */
    private LockTable locks;
    private LockTable.Placement placement;
    /** Grants for tasks of this partition, from a lock command carried out here, not yet fed to the lifecycle. */
    private final Deque<LockGrant> localGrants = new ArrayDeque<>();

    public TaskProcessor(BrokerSettings settings, TaskObserver observer, BrokerClock clock) {
        this.settings = settings;
        this.lifecycle = new TaskLifecycle(settings);
        this.observer = observer;
        this.clock = clock;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.tasks = context.getStateStore(TopologyNames.TASKS_STORE);
        this.deadlines = new DeadlineIndex(context.getStateStore(TopologyNames.DEADLINES_STORE));
        // A stream task revived after an aborted transaction keeps its processor: nothing of that step may remain.
        localGrants.clear();
        if (settings.localLocks()) {
            this.locks = new LockTable(context.getStateStore(TopologyNames.LOCKS_STORE),
                    context.getStateStore(TopologyNames.LOCK_EPOCHS_STORE));
            this.placement = new LockTable.Placement(context.taskId().partition(), settings.partitions());
        }
        // At once: a restored store may hold deadlines that are due, and the first scan finds the earliest of the rest.
        // (Kafka Streams' time for this task may not be set yet here: the wall clock says when "at once" is.)
        this.deadlineScan = null;
        this.scanAt = Long.MAX_VALUE;
        long now = clock.wallMillis();
        scheduleScan(now, now);
    }

    @Override
    public void process(Record<String, Object> record) {
        long now = context.currentSystemTimeMs();
        // Left over only if an earlier step threw (its transaction is aborted, and with it the lock changes that made
        // these grants): never to be handed out.
        localGrants.clear();
        handle(record.key(), record.value(), record, now);
        settleLocalGrants(now);
        // A deadline earlier than the next scan (a task's first, or a short timeout) brings the scan forward.
        long earliestPut = deadlines.takeEarliestPut();
        if (earliestPut < scanAt) {
            scheduleScan(earliestPut, now);
        }
    }

    private void handle(String taskId, Object input, Record<String, Object> record, long now) {
        BrokerTask current = tasks.get(taskId);
        Outcome outcome;
        try {
            outcome = decide(current, input, now);
        } catch (RuntimeException e) {
            if (DeadLetterRouting.isInfrastructure(e)) {
                throw e;
            }
            // A bug or a value nobody foresaw: thrown again on every retry, it would stop the whole partition. The
            // input goes to the dead-letter topic (as text: its bytes were decoded upstream) and the partition goes on.
            LOG.errorf(e, "input the lifecycle could not process, dead-lettered: taskId=%s input=%s", taskId,
                    input.getClass().getSimpleName());
            DeadLetterRouting.send(context, new Record<>(taskId,
                    String.valueOf(input).getBytes(java.nio.charset.StandardCharsets.UTF_8), record.timestamp(),
                    record.headers()), e, observer);
            return;
        }
        if (!outcome.changed()) {
            LOG.debugf("input ignored taskId=%s input=%s why=%s", taskId, input.getClass().getSimpleName(),
                    outcome.ignored());
            observer.ignored(input.getClass().getSimpleName(), outcome.ignored());
        }
        apply(taskId, current, outcome, now);
    }

    private Outcome decide(BrokerTask current, Object input, long now) {
        if (input instanceof Admission admission) {
            return lifecycle.admit(current, admission, now);
        } else if (input instanceof LockGrant grant) {
            return lifecycle.lockGranted(current, grant, now);
        } else if (input instanceof TaskResult result) {
            return lifecycle.result(current, result, now);
        } else if (input instanceof TaskCommand command) {
            return lifecycle.command(current, command, now);
        } else if (input instanceof RollbackReport report) {
            return lifecycle.rollbackReport(current, report, now);
        }
        throw new IllegalArgumentException("unexpected input " + input.getClass().getName());
    }

    /**
     * Takes every deadline due up to now, oldest first, within a count and time budget; the rest waits for the next
     * scan, which finds it again because entries are deleted only when handled. Then schedules the next scan (ADR
     * 0018): at once when this one stopped short, else at the earliest deadline left, and never later than
     * {@code deadline-scan.interval} from now.
     */
    private void scanDeadlines(long now) {
        // The punctuator is periodic; each scan schedules the next one itself.
        if (deadlineScan != null) {
            deadlineScan.cancel();
        }
        deadlineScan = null;
        scanAt = Long.MAX_VALUE;
        try {
            scanDue(now);
        } catch (RuntimeException e) {
            // Whatever becomes of the exception, a scan must follow: not at once, which could spin on the same error.
            scheduleScan(now + settings.deadlineScanInterval().toMillis(), now);
            throw e;
        }
    }

    private void scanDue(long now) {
        long started = clock.nanos();
        long budget = settings.deadlineScanBudget().toNanos();
        int handled = 0;
        List<DeadlineIndex.Entry> dueNow = deadlines.due(now, settings.deadlineScanMaxEntries());
        boolean stoppedShort = dueNow.size() >= settings.deadlineScanMaxEntries();
        for (DeadlineIndex.Entry due : dueNow) {
            if (handled > 0 && clock.nanos() - started > budget) {
                stoppedShort = true;
                break;
            }
            localGrants.clear();
            BrokerTask task = tasks.get(due.id());
            if (task == null || task.deadlinePhase() == Phase.NONE || task.deadline() != due.deadline()) {
                // Left behind by a change that moved the deadline; the live entry is elsewhere in the index.
                deadlines.remove(due.deadline(), due.id());
                continue;
            }
            Outcome outcome = lifecycle.deadlineReached(task, now);
            if (outcome.timeoutLatenessMs() != null) {
                observer.timeoutFired(outcome.timeoutLatenessMs());
            }
            if (outcome.rollbackOverdue()) {
                LOG.warnf("rollback report overdue taskId=%s: asking the history service again; locks stay held",
                        due.id());
                observer.rollbackOverdue();
            }
            apply(due.id(), task, outcome, now);
            settleLocalGrants(now);
            handled++;
        }
        observer.deadlineScan(handled, clock.nanos() - started);
        deadlines.takeEarliestPut(); // the puts of this scan are in the index, which earliest() reads
        long latest = now + settings.deadlineScanInterval().toMillis();
        scheduleScan(stoppedShort ? now : Math.min(deadlines.earliest().orElse(latest), latest), now);
    }

    /**
     * Makes the next deadline scan run at {@code at} (not before the next poll loop when that has passed), unless one is
     * scheduled earlier already. Kafka Streams commits a stream task after each of its wall-clock punctuations, whether
     * the punctuator changed anything or not: a scan every 100 ms on each partition made an idle broker run ~35
     * transactions a second. Scheduled by deadline, an idle broker commits once per {@code deadline-scan.interval} and
     * partition, and a timeout fires at its deadline rather than up to an interval after it.
     */
    private void scheduleScan(long at, long now) {
        if (deadlineScan != null) {
            if (at >= scanAt) {
                return;
            }
            deadlineScan.cancel();
        }
        // Kafka Streams counts the delay from the wall clock as it reads it now, and "now" here is when its loop began:
        // measured from that, a scan scheduled at the end of a 40 ms scan would run 40 ms late. Never at or before the
        // loop's own time either, or a wall clock set back meanwhile would make the punctuation fire again in the same
        // loop, and again, until the clock caught up.
        long fresh = clock.wallMillis();
        long delay = Math.max(1, Math.max(at, now + 1) - fresh);
        scanAt = fresh + delay;
        deadlineScan = context.schedule(Duration.ofMillis(delay), PunctuationType.WALL_CLOCK_TIME,
                this::scanDeadlines);
    }

    private void apply(String taskId, BrokerTask before, Outcome outcome, long now) {
        BrokerTask after = outcome.task();
        if (outcome.changed()) {
            moveDeadline(taskId, before, after);
            if (outcome.delete() || after == null) {
                tasks.delete(taskId);
            } else {
                tasks.put(taskId, after);
            }
        }
        for (TaskEvent event : outcome.events()) {
            LOG.debugf("task event taskId=%s state=%s sequence=%d", taskId, event.getState(), event.getSequence());
            context.forward(new Record<String, Object>(taskId, event, now), TopologyNames.EVENTS_SINK);
            observer.transition(event);
        }
        for (WorkItem item : outcome.work()) {
            context.forward(new Record<String, Object>(taskId, item, now), TopologyNames.WORK_SINK);
        }
        for (RollbackCommand rollback : outcome.rollbacks()) {
            context.forward(new Record<String, Object>(taskId, rollback, now), TopologyNames.ROLLBACKS_SINK);
        }
        for (LockCommand lock : outcome.lockCommands()) {
            // The task is always of this partition in a real stream task; checked anyway, as it is what makes the
            // command local: task and key on one partition.
            if (locks != null && placement.isLocal(lock.key()) && placement.isLocal(taskId)) {
                LockGrant answer = locks.apply(lock, now, OptionalLong.empty());
                if (answer != null && placement.isLocal(answer.taskId())) {
                    localGrants.add(answer);
                } else if (answer != null) {
                    context.forward(new Record<String, Object>(answer.taskId(), answer, now),
                            TopologyNames.LOCK_GRANTS_SINK);
                }
            } else {
                context.forward(new Record<String, Object>(lock.key(), lock, now), TopologyNames.LOCK_REQUESTS_SINK);
            }
        }
        if (outcome.lockWaitMs() != null) {
            observer.lockWait(outcome.lockWaitMs());
        }
    }

    /**
     * Feeds the grants of local lock commands to the lifecycle, in the order they were made, until none is left: a
     * grant may dispatch a task, or make it ask for its next key, which may be granted here too. Each grant is the same
     * input a grant from the lock topic would be, only sooner (ADR 0017).
     */
    private void settleLocalGrants(long now) {
        LockGrant grant;
        while ((grant = localGrants.poll()) != null) {
            handle(grant.taskId(), grant, new Record<>(grant.taskId(), grant, now), now);
        }
    }

    private void moveDeadline(String taskId, BrokerTask before, BrokerTask after) {
        boolean hadDeadline = before != null && before.deadlinePhase() != Phase.NONE;
        boolean hasDeadline = after != null && after.deadlinePhase() != Phase.NONE;
        if (hadDeadline && hasDeadline && before.deadline() == after.deadline()) {
            return;
        }
        if (hadDeadline) {
            deadlines.remove(before.deadline(), taskId);
        }
        if (hasDeadline) {
            deadlines.put(after.deadline(), taskId);
        }
    }

    @Override
    public void close() {
        if (deadlineScan != null) {
            deadlineScan.cancel();
        }
    }
}

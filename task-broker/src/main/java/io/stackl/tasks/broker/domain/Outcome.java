package io.stackl.tasks.broker.domain;

import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.WorkItem;
import java.util.ArrayList;
import java.util.List;

/**
 * What one step of the lifecycle decided: the task's new record (or its removal) and every record to send. The
 * processor writes and forwards exactly this, so that all of it commits in one Kafka transaction.
 *
 * @param task the new record, or null when {@code delete} or when nothing is stored
 * @param ignored why the input changed nothing, or null
 * @param lockWaitMs the time the task waited for its locks, when this step granted the last one
 * @param timeoutLatenessMs how late a timeout fired after its deadline (never negative), when one fired
 * @param rollbackOverdue the history service had not reported a rollback within the rollback timeout; the command
 *     was sent again and the task's locks stay held
 */
public record Outcome(
        BrokerTask task,
        boolean delete,
        List<TaskEvent> events,
        List<WorkItem> work,
        List<RollbackCommand> rollbacks,
        List<LockCommand> lockCommands,
        String ignored,
        Long lockWaitMs,
        Long timeoutLatenessMs,
        boolean rollbackOverdue) {

    static Builder builder() {
        return new Builder();
    }

    public static Outcome ignored(BrokerTask unchanged, String why) {
        return new Builder().ignored(why).build(unchanged);
    }

    public boolean changed() {
        return ignored == null;
    }

    static final class Builder {
        private final List<TaskEvent> events = new ArrayList<>();
        private final List<WorkItem> work = new ArrayList<>();
        private final List<RollbackCommand> rollbacks = new ArrayList<>();
        private final List<LockCommand> lockCommands = new ArrayList<>();
        private String ignored;
        private boolean delete;
        private Long lockWaitMs;
        private Long timeoutLatenessMs;
        private boolean rollbackOverdue;

        Builder event(TaskEvent event) {
            events.add(event);
            return this;
        }

        Builder work(WorkItem item) {
            work.add(item);
            return this;
        }

        Builder rollback(RollbackCommand command) {
            rollbacks.add(command);
            return this;
        }

        Builder lock(LockCommand command) {
            lockCommands.add(command);
            return this;
        }

        Builder ignored(String why) {
            ignored = why;
            return this;
        }

        Builder delete() {
            delete = true;
            return this;
        }

        Builder lockWaitMs(long ms) {
            lockWaitMs = ms;
            return this;
        }

        Builder timeoutLatenessMs(long ms) {
            timeoutLatenessMs = ms;
            return this;
        }

        Builder rollbackOverdue() {
            rollbackOverdue = true;
            return this;
        }

        Outcome build(BrokerTask task) {
            return new Outcome(delete ? null : task, delete, List.copyOf(events), List.copyOf(work),
                    List.copyOf(rollbacks), List.copyOf(lockCommands), ignored, lockWaitMs, timeoutLatenessMs,
                    rollbackOverdue);
        }
    }
}

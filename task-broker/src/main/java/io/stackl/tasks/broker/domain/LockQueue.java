package io.stackl.tasks.broker.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * The lock on one document key, the value of {@code document-locks-store}: who holds it and who waits, first come
 * first served. Pure: {@link #acquire} and {@link #release} return the new queue and whom to grant the key to.
 */
public record LockQueue(String holder, List<String> waiters) {

    public static final LockQueue FREE = new LockQueue(null, List.of());

    public boolean isFree() {
        return holder == null && waiters.isEmpty();
    }

    /** The result of a step: the new queue and the task that was just granted the key, if any. */
    public record Step(LockQueue queue, String grantedTo) {

        /** What to answer {@code command} with: a grant numbered {@code epoch}, a refused try, or nothing (null). */
        public LockGrant answer(LockCommand command, long epoch) {
            if (grantedTo != null) {
                return new LockGrant(grantedTo, command.key(), epoch);
            }
            return command.type() == LockCommand.Type.TRY ? LockGrant.refusal(command.taskId(), command.key()) : null;
        }
    }

    /** Carries out one command on this key's queue. */
    public Step apply(LockCommand command) {
        return switch (command.type()) {
            case ACQUIRE -> acquire(command.taskId());
            case TRY -> tryAcquire(command.taskId());
            case RELEASE -> release(command.taskId());
        };
    }

    public Step acquire(String taskId) {
        if (holder == null) {
            return new Step(new LockQueue(taskId, waiters), taskId);
        }
        if (holder.equals(taskId) || waiters.contains(taskId)) {
            // A repeated request (e.g. after a crash between send and commit) must not queue the task twice.
            return new Step(this, null);
        }
        List<String> queued = new ArrayList<>(waiters);
        queued.add(taskId);
        return new Step(new LockQueue(holder, List.copyOf(queued)), null);
    }

    /**
     * Takes the key only if it is free (a free key has no waiters, as a release hands it to the first one): a try
     * never overtakes a task in the queue. {@code grantedTo} is null when it is refused.
     */
    public Step tryAcquire(String taskId) {
        if (holder == null || holder.equals(taskId)) {
            return new Step(new LockQueue(taskId, waiters), taskId);
        }
        return new Step(this, null);
    }

    public Step release(String taskId) {
        if (taskId.equals(holder)) {
            if (waiters.isEmpty()) {
                return new Step(FREE, null);
            }
            String next = waiters.get(0);
            return new Step(new LockQueue(next, List.copyOf(waiters.subList(1, waiters.size()))), next);
        }
        if (waiters.contains(taskId)) {
            List<String> rest = new ArrayList<>(waiters);
            rest.remove(taskId);
            return new Step(new LockQueue(holder, List.copyOf(rest)), null);
        }
        return new Step(this, null);
    }
}

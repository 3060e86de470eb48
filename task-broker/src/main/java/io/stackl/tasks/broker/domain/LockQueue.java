package io.stackl.tasks.broker.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lock on one document key, the value of {@code document-locks-store}: who holds it and who waits, first come
 * first served. Pure: {@link #acquire} and {@link #release} return the new queue and whom to grant the key to.
 *
 * @param heldSince when the holder was granted the key (epoch ms); null until {@link #stampedAt} has run, and in
 *     records written before ADR 0014. Shown to people (console, {@code GET /locks}); no decision depends on it
 * @param waitingSince when each waiter queued (epoch ms), by task id; likewise display only
 */
public record LockQueue(String holder, List<String> waiters, Long heldSince, Map<String, Long> waitingSince) {

    public static final LockQueue FREE = new LockQueue(null, List.of());

    public LockQueue {
        waiters = waiters == null ? List.of() : List.copyOf(waiters);
        waitingSince = waitingSince == null ? Map.of() : Map.copyOf(waitingSince);
    }

    public LockQueue(String holder, List<String> waiters) {
        this(holder, waiters, null, Map.of());
    }

    /**
     * This queue with a time for whoever has none yet: a new holder holds since {@code now}, a new waiter waits since
     * {@code now}; times of those no longer in the queue are dropped. Kept apart from the steps so that the lock logic
     * stays a function of the commands alone.
     */
    public LockQueue stampedAt(long now) {
        Map<String, Long> since = new HashMap<>();
        for (String waiter : waiters) {
            since.put(waiter, waitingSince.getOrDefault(waiter, now));
        }
        return new LockQueue(holder, waiters, holder == null ? null : heldSince == null ? now : heldSince, since);
    }

    /** The same holder keeps its time; a holder that changed has none until stamped. */
    private Long heldSinceFor(String newHolder) {
        return newHolder != null && newHolder.equals(holder) ? heldSince : null;
    }

    private LockQueue next(String newHolder, List<String> newWaiters) {
        return new LockQueue(newHolder, newWaiters, heldSinceFor(newHolder), waitingSince);
    }

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
            return new Step(next(taskId, waiters), taskId);
        }
        if (holder.equals(taskId) || waiters.contains(taskId)) {
            // A repeated request (e.g. after a crash between send and commit) must not queue the task twice.
            return new Step(this, null);
        }
        List<String> queued = new ArrayList<>(waiters);
        queued.add(taskId);
        return new Step(next(holder, queued), null);
    }

    /**
     * Takes the key only if it is free (a free key has no waiters, as a release hands it to the first one): a try
     * never overtakes a task in the queue. {@code grantedTo} is null when it is refused.
     */
    public Step tryAcquire(String taskId) {
        if (holder == null || holder.equals(taskId)) {
            return new Step(next(taskId, waiters), taskId);
        }
        return new Step(this, null);
    }

    public Step release(String taskId) {
        if (taskId.equals(holder)) {
            if (waiters.isEmpty()) {
                return new Step(FREE, null);
            }
            String first = waiters.get(0);
            return new Step(next(first, waiters.subList(1, waiters.size())), first);
        }
        if (waiters.contains(taskId)) {
            List<String> rest = new ArrayList<>(waiters);
            rest.remove(taskId);
            return new Step(next(holder, rest), null);
        }
        return new Step(this, null);
    }
}

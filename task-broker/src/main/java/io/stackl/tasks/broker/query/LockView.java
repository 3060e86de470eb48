package io.stackl.tasks.broker.query;

import io.stackl.tasks.broker.domain.LockQueue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One document key's lock as the broker answers it over HTTP: the task holding it, and the tasks queued behind it in
 * the order they will get it. A free key has no holder and no waiters. Times are null for entries written before the
 * lock store recorded them (ADR 0014).
 */
public record LockView(String key, Holder holder, List<Waiter> waiters, String servedBy) {

    public record Holder(String taskId, Instant since, Long heldMs) {}

    public record Waiter(String taskId, int position, Instant since, Long waitingMs) {}

    public static LockView free(String key, String servedBy) {
        return new LockView(key, null, List.of(), servedBy);
    }

    public static LockView of(String key, LockQueue queue, long now, String servedBy) {
        Holder holder = queue.holder() == null ? null
                : new Holder(queue.holder(), instant(queue.heldSince()), age(queue.heldSince(), now));
        List<Waiter> waiters = new ArrayList<>();
        for (int i = 0; i < queue.waiters().size(); i++) {
            Long since = queue.waitingSince().get(queue.waiters().get(i));
            waiters.add(new Waiter(queue.waiters().get(i), i + 1, instant(since), age(since, now)));
        }
        return new LockView(key, holder, List.copyOf(waiters), servedBy);
    }

    /** How long the first in line has waited: what orders the listing of the longest waits. */
    public long longestWaitMs() {
        return waiters.stream().map(Waiter::waitingMs).filter(ms -> ms != null).mapToLong(Long::longValue).max()
                .orElse(-1);
    }

    private static Instant instant(Long ms) {
        return ms == null ? null : Instant.ofEpochMilli(ms);
    }

    private static Long age(Long since, long now) {
        return since == null ? null : Math.max(0, now - since);
    }
}

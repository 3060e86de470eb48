package io.stackl.tasks.broker.domain;

/**
 * A message to the lock partition that owns {@code key} (internal topic {@code task-lock-requests}, keyed by the
 * document key).
 */
public record LockCommand(Type type, String key, String taskId) {

    public enum Type {
        /** Queue for the key; a grant comes back when the task is first in line. */
        ACQUIRE,
        /**
         * Take the key only if nobody holds it, and answer either way (a grant, or a refusal): never queue. A task
         * declaring several keys tries them all at once; a try never waits, so it cannot take part in a deadlock
         * (ADR 0008).
         */
        TRY,
        /** Give the key up if held, or leave the queue if waiting; a no-op otherwise (so it is safe to repeat). */
        RELEASE
    }

    public static LockCommand acquire(String key, String taskId) {
        return new LockCommand(Type.ACQUIRE, key, taskId);
    }

    public static LockCommand tryAcquire(String key, String taskId) {
        return new LockCommand(Type.TRY, key, taskId);
    }

    public static LockCommand release(String key, String taskId) {
        return new LockCommand(Type.RELEASE, key, taskId);
    }
}

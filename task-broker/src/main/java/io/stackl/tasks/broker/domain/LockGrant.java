package io.stackl.tasks.broker.domain;

/**
 * The lock partition's answer: {@code taskId} now holds {@code key} (internal topic {@code task-lock-grants}).
 *
 * @param epoch increases with every grant of the key (the offset, in the lock partition, of the command that caused
 *     the grant, plus one); 0 from a broker that did not number grants
 */
public record LockGrant(String taskId, String key, long epoch) {

    public LockGrant(String taskId, String key) {
        this(taskId, key, 0);
    }
}

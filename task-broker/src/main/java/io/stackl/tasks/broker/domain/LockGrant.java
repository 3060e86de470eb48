package io.stackl.tasks.broker.domain;

/**
 * The lock partition's answer (internal topic {@code task-lock-grants}): {@code taskId} now holds {@code key}, or, in
 * answer to a {@link LockCommand.Type#TRY}, {@code refusedKey} is held by another task and nothing was queued.
 *
 * <p>A refusal leaves {@code key} empty on purpose: a broker before ADR 0008 reads only {@code key}, so during a
 * rolling upgrade it can never take a refusal for a grant (it ignores the answer, and the task waits at worst until
 * its queue timeout).
 *
 * @param epoch increases with every grant of the key (the offset, in the lock partition, of the command that caused
 *     the grant, plus one); 0 from a broker that did not number grants, and in a refusal
 */
public record LockGrant(String taskId, String key, long epoch, String refusedKey) {

    public LockGrant(String taskId, String key, long epoch) {
        this(taskId, key, epoch, null);
    }

    public LockGrant(String taskId, String key) {
        this(taskId, key, 0);
    }

    public static LockGrant refusal(String taskId, String key) {
        return new LockGrant(taskId, null, 0, key);
    }

    public boolean refused() {
        return refusedKey != null;
    }

    /** The key this answer is about, granted or refused. */
    public String answeredKey() {
        return refused() ? refusedKey : key;
    }
}

package io.stackl.tasks.broker.domain;

/**
 * The first task an idempotency key created, the value of {@code task-idempotency-store}.
 *
 * @param fingerprint what the request asked for (see {@link RequestFingerprint}); a repeat with another fingerprint
 *     is a conflict
 */
public record IdempotencyEntry(String taskId, String fingerprint, long firstSeenAt, long expiresAt) {}

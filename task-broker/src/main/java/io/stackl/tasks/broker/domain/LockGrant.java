package io.stackl.tasks.broker.domain;

/** The lock partition's answer: {@code taskId} now holds {@code key} (internal topic {@code task-lock-grants}). */
public record LockGrant(String taskId, String key) {}

package io.stackl.tasks.broker.domain;

import java.util.List;

/**
 * How often a task is tried (ADR 0012), as the broker keeps it in the task's spec. Resolved when the task is admitted
 * (the request's own policy, else the topic's default), so that a replay or a change of configuration never changes
 * the retries of a task in flight.
 *
 * @param jitter the share of each backoff (0 to 1) taken off at random; drawn from the task id and the attempt, so
 *     that a task's backoffs are the same on every replay while many tasks' retries spread out
 * @param retryWithinMs the overall bound: no retry starts later than this after the task was accepted; null for none
 *     (records and requests from before it read as none)
 */
public record RetryPolicy(
        int maxAttempts,
        long initialBackoffMs,
        double backoffMultiplier,
        long maxBackoffMs,
        double jitter,
        List<String> nonRetryableCodes,
        Long retryWithinMs) {

    public static final int MAX_ATTEMPTS = 20;
    public static final long MAX_BACKOFF_MS = 24L * 3600 * 1000;
    /** The longest overall bound: 20 attempts of the longest backoff. */
    public static final long MAX_RETRY_WITHIN_MS = MAX_ATTEMPTS * MAX_BACKOFF_MS;
    /** One attempt: what every task got before ADR 0012, and the default of a topic that configures nothing. */
    public static final RetryPolicy ONCE = new RetryPolicy(1, 1000, 2.0, 60_000, 0.2, List.of(), null);

    public RetryPolicy {
        nonRetryableCodes = nonRetryableCodes == null ? List.of() : List.copyOf(nonRetryableCodes);
    }

    public static RetryPolicy from(io.stackl.tasks.schema.RetryPolicy policy) {
        return policy == null ? null : new RetryPolicy(policy.getMaxAttempts(), policy.getInitialBackoffMs(),
                policy.getBackoffMultiplier(), policy.getMaxBackoffMs(), policy.getJitter(),
                List.copyOf(policy.getNonRetryableCodes()), policy.getRetryWithinMs());
    }

    /** What is wrong with the policy, for a REJECTED event; null when it is within bounds. */
    public String problem() {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            return "retryPolicy.maxAttempts must be 1 to " + MAX_ATTEMPTS + ", was " + maxAttempts;
        }
        if (initialBackoffMs < 0 || initialBackoffMs > MAX_BACKOFF_MS) {
            return "retryPolicy.initialBackoffMs must be 0 to " + MAX_BACKOFF_MS + ", was " + initialBackoffMs;
        }
        if (maxBackoffMs < initialBackoffMs || maxBackoffMs > MAX_BACKOFF_MS) {
            return "retryPolicy.maxBackoffMs must be at least initialBackoffMs and at most " + MAX_BACKOFF_MS + ", was "
                    + maxBackoffMs;
        }
        if (!(backoffMultiplier >= 1 && backoffMultiplier <= 100)) {
            return "retryPolicy.backoffMultiplier must be 1 to 100, was " + backoffMultiplier;
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            return "retryPolicy.jitter must be 0 to 1, was " + jitter;
        }
        if (retryWithinMs != null && (retryWithinMs < 0 || retryWithinMs > MAX_RETRY_WITHIN_MS)) {
            return "retryPolicy.retryWithinMs must be 0 to " + MAX_RETRY_WITHIN_MS + ", was " + retryWithinMs;
        }
        if (nonRetryableCodes.size() > 100) {
            return "retryPolicy.nonRetryableCodes lists " + nonRetryableCodes.size() + " codes; at most 100";
        }
        return null;
    }

    /** Whether a failure of attempt {@code attempt} is tried again. */
    public boolean retries(int attempt, boolean retryable, String code) {
        return retryable && attempt < maxAttempts && (code == null || !nonRetryableCodes.contains(code));
    }

    /**
     * Whether an attempt starting at {@code start} is within the overall bound of a task accepted at
     * {@code acceptedAt}. Checked when an attempt fails (with its backoff) and again when its undo is done, which
     * takes time of its own: no retry is dispatched after the bound, whatever the undo took.
     */
    public boolean startsInTime(long acceptedAt, long start) {
        return retryWithinMs == null || start <= acceptedAt + retryWithinMs;
    }

    /**
     * The wait after the failed attempt {@code attempt} (1 for the first): min(max, initial × multiplier^(attempt-1)),
     * less up to {@code jitter} of it.
     */
    public long backoffMs(String taskId, int attempt) {
        double full = Math.min((double) maxBackoffMs, initialBackoffMs * Math.pow(backoffMultiplier, attempt - 1));
        // A fraction in [0, 1) from the task id and attempt: the same on every replay, spread over many tasks.
        long mixed = (taskId.hashCode() * 0x9E3779B97F4A7C15L) ^ (attempt * 0xC2B2AE3D27D4EB4FL);
        mixed ^= mixed >>> 31;
        double fraction = (mixed >>> 11) * 0x1.0p-53;
        return Math.max(0, Math.round(full * (1 - jitter * fraction)));
    }
}

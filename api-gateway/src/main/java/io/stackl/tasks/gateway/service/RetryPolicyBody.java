package io.stackl.tasks.gateway.service;

import io.stackl.tasks.schema.RetryPolicy;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * {@code retryPolicy} in the body of {@code POST /tasks} (ADR 0012): how often the task is tried. Each failed attempt
 * is undone from its snapshots, under the same locks, before the next starts. Absent fields take the defaults below;
 * an absent policy takes the broker's default for the topic (one attempt unless configured).
 *
 * @param maxAttempts attempts in all, 1 to 20 (default 1: no retry)
 * @param initialBackoffMs the wait before the second attempt (default 1000)
 * @param backoffMultiplier each further wait is the previous one times this, 1 to 100 (default 2)
 * @param maxBackoffMs no wait is longer; at least initialBackoffMs, at most a day (default 60000)
 * @param jitter up to this share of each wait, 0 to 1, is taken off at random (default 0.2)
 * @param nonRetryableCodes failure codes never retried, whatever their retryable flag
 * @param retryWithinMs the overall bound: no retry starts later than this after the task was accepted, up to 20
 *     days (default: none, maxAttempts alone bounds the retries)
 */
public record RetryPolicyBody(
        @Min(1) @Max(20) Integer maxAttempts,
        @PositiveOrZero @Max(86_400_000L) Long initialBackoffMs,
        @DecimalMin("1") @DecimalMax("100") Double backoffMultiplier,
        @PositiveOrZero @Max(86_400_000L) Long maxBackoffMs,
        @DecimalMin("0") @DecimalMax("1") Double jitter,
        @Size(max = 100) List<String> nonRetryableCodes,
        @PositiveOrZero @Max(1_728_000_000L) Long retryWithinMs) {

    /** The Avro record, with the schema's defaults for what the body left out. */
    public RetryPolicy toRecord() {
        RetryPolicy.Builder policy = RetryPolicy.newBuilder();
        if (maxAttempts != null) {
            policy.setMaxAttempts(maxAttempts);
        }
        if (initialBackoffMs != null) {
            policy.setInitialBackoffMs(initialBackoffMs);
        }
        if (backoffMultiplier != null) {
            policy.setBackoffMultiplier(backoffMultiplier);
        }
        if (maxBackoffMs != null) {
            policy.setMaxBackoffMs(maxBackoffMs);
        }
        if (jitter != null) {
            policy.setJitter(jitter);
        }
        if (nonRetryableCodes != null) {
            policy.setNonRetryableCodes(nonRetryableCodes);
        }
        policy.setRetryWithinMs(retryWithinMs);
        return policy.build();
    }
}

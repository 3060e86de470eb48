package io.stackl.tasks.broker.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A digest of what a request asks for: topic, subtype, arguments, included documents, keys and timeouts. The id,
 * the submit time and the trace context are left out, since a producer's retry changes them and is still the same
 * request.
 */
public final class RequestFingerprint {

    private RequestFingerprint() {}

    public static String of(TaskSpec spec) {
        StringBuilder text = new StringBuilder();
        append(text, spec.topic());
        append(text, spec.subtype());
        append(text, spec.argumentsJson());
        for (TaskSpec.Document d : Objects.requireNonNullElse(spec.includedDocuments(), List.<TaskSpec.Document>of())) {
            append(text, d.key());
            append(text, d.valueJson());
            append(text, String.valueOf(d.version()));
        }
        append(text, String.join("\u0001", Objects.requireNonNullElse(spec.changedDocumentKeys(), List.of())));
        append(text, String.valueOf(spec.queueTimeoutMs()));
        append(text, String.valueOf(spec.executionTimeoutMs()));
        RetryPolicy policy = spec.retryPolicy();
        if (policy != null) {
            // Only when asked for: the digests of requests without one stay what brokers before ADR 0012 stored. In
            // the text the record's toString() gave when it had these six fields, so that fields added later (which
            // change toString()) do not change the digest of a resent request stored by an earlier broker: it would
            // be refused as a CONFLICT instead of answered as a DUPLICATE.
            append(text, "RetryPolicy[maxAttempts=" + policy.maxAttempts() + ", initialBackoffMs="
                    + policy.initialBackoffMs() + ", backoffMultiplier=" + policy.backoffMultiplier() + ", maxBackoffMs="
                    + policy.maxBackoffMs() + ", jitter=" + policy.jitter() + ", nonRetryableCodes="
                    + policy.nonRetryableCodes() + "]");
            if (policy.retryWithinMs() != null) {
                append(text, "retryWithinMs=" + policy.retryWithinMs());
            }
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void append(StringBuilder text, String part) {
        // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
        String value = part == null ? "\u0000null" : part;
        text.append(value.length()).append(':').append(value).append('|');
    }
}

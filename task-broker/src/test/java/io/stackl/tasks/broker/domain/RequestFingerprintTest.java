package io.stackl.tasks.broker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Same request, same fingerprint, whatever a producer's retry changes; any change of what it asks for, another. */
class RequestFingerprintTest {

    private static TaskSpec spec(String topic, String subtype, String arguments, List<String> keys, Long timeout) {
        return new TaskSpec("id-1", topic, subtype, "client-a", arguments,
                List.of(new TaskSpec.Document("config/a", "{\"v\":1}", 3L)), keys, 1_000L, timeout, "key-1", 100L,
                Map.of("traceparent", "00-aa-bb-01"));
    }

    private static final TaskSpec BASE = spec("document", "put", "{\"x\":1}", List.of("k1", "k2"), 5_000L);

    @Test
    void shouldIgnoreWhatARetryChanges() {
        TaskSpec retried = new TaskSpec("id-2", BASE.topic(), BASE.subtype(), BASE.source(), BASE.argumentsJson(),
                BASE.includedDocuments(), BASE.changedDocumentKeys(), BASE.queueTimeoutMs(),
                BASE.executionTimeoutMs(), BASE.idempotencyKey(), 999L, Map.of("traceparent", "00-cc-dd-01"));

        assertThat(RequestFingerprint.of(retried)).isEqualTo(RequestFingerprint.of(BASE));
    }

    @Test
    void shouldDifferWhenWhatIsAskedForDiffers() {
        String base = RequestFingerprint.of(BASE);

        assertThat(RequestFingerprint.of(spec("document", "put", "{\"x\":2}", List.of("k1", "k2"), 5_000L)))
                .isNotEqualTo(base);
        assertThat(RequestFingerprint.of(spec("document", "put", "{\"x\":1}", List.of("k2", "k1"), 5_000L)))
                .isNotEqualTo(base);
        assertThat(RequestFingerprint.of(spec("document", "put", "{\"x\":1}", List.of("k1", "k2"), 6_000L)))
                .isNotEqualTo(base);
        assertThat(RequestFingerprint.of(spec("document", "put", "{\"x\":1}", List.of("k1", "k2"), null)))
                .isNotEqualTo(base);
        TaskSpec otherDocument = new TaskSpec("id-1", BASE.topic(), BASE.subtype(), BASE.source(),
                BASE.argumentsJson(), List.of(new TaskSpec.Document("config/a", "{\"v\":1}", 4L)),
                BASE.changedDocumentKeys(), BASE.queueTimeoutMs(), BASE.executionTimeoutMs(), BASE.idempotencyKey(),
                BASE.submittedAt(), BASE.traceContext());
        assertThat(RequestFingerprint.of(otherDocument)).isNotEqualTo(base);
    }

    @Test
    void shouldNotConfuseWhereOnePartEndsAndTheNextBegins() {
        assertThat(RequestFingerprint.of(spec("ab", "c", "{}", List.of(), 1L)))
                .isNotEqualTo(RequestFingerprint.of(spec("a", "bc", "{}", List.of(), 1L)));
        assertThat(RequestFingerprint.of(spec("t", null, "{}", List.of(), 1L)))
                .as("a missing subtype is not the text 'null'")
                .isNotEqualTo(RequestFingerprint.of(spec("t", "null", "{}", List.of(), 1L)));
    }

    /**
     * Digests stored by a broker before the retry policy gained {@code retryWithinMs} (computed with that build,
     * a711192): a request resent across the upgrade within the idempotency window must still be a DUPLICATE.
     */
    @Test
    void shouldKeepTheDigestsEarlierBrokersStored() {
        TaskSpec withPolicy = BASE.withRetryPolicy(new RetryPolicy(3, 1000, 2.0, 10_000, 0.2,
                List.of("QUOTA", "HTTP_400"), null));

        assertThat(RequestFingerprint.of(BASE))
                .isEqualTo("c0a0856ac47b9d1fa66643cc111575b27a9835135d28915e6ff8b0e4caf53999");
        assertThat(RequestFingerprint.of(withPolicy))
                .isEqualTo("5a0dcefa13a4712f580e9fe1943903c19cac03346642e072c8b5986c8a766332");
        assertThat(RequestFingerprint.of(BASE.withRetryPolicy(new RetryPolicy(3, 1000, 2.0, 10_000, 0.2,
                List.of("QUOTA", "HTTP_400"), 60_000L)))).as("a bound is part of what is asked for")
                .isNotEqualTo(RequestFingerprint.of(withPolicy));
    }
}

package io.stackl.tasks.history.resource;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.stackl.tasks.history.repository.DocumentRepository.Document;
import java.time.Instant;

/**
 * A document as the API answers it: {@code value} is the stored JSON itself, written out as PostgreSQL returns it
 * (valid JSON, numbers exactly as stored), not a string holding JSON.
 *
 * @param valueJson the same value as a string; deprecated, kept for one release so that workers of the previous
 *     release, which read it, keep working during a rolling upgrade (ADR 0013)
 */
public record DocumentView(String key, @JsonRawValue String value, long version, Instant updatedAt, String updatedBy,
        @Deprecated String valueJson) {

    static DocumentView of(Document document) {
        return new DocumentView(document.key(), document.valueJson(), document.version(), document.updatedAt(),
                document.updatedBy(), document.valueJson());
    }
}

package io.stackl.tasks.history.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stored text is answered as JSON only when it is exactly one JSON value, nested no deeper than the content rules. */
class StoredJsonTest {

    @Test
    void shouldAnswerOneJsonValueAsJsonAndAnythingElseAsAString() throws Exception {
        assertThat(StoredJson.of("{\"n\": 0.10}")).isInstanceOf(RawValue.class);
        assertThat(StoredJson.of("[1, 2]")).isInstanceOf(RawValue.class);
        assertThat(StoredJson.of("3")).isInstanceOf(RawValue.class);
        for (String notOneValue : new String[] {"{\"a\": 1} trailing", "1 2", "{\"a\": ", "not json", "", "{\"a\": NaN}"}) {
            assertThat(StoredJson.of(notOneValue)).as(notOneValue).isEqualTo(notOneValue);
        }
        String deep = "[".repeat(StoredJson.MAX_DEPTH) + "]".repeat(StoredJson.MAX_DEPTH);
        String deeper = "[".repeat(StoredJson.MAX_DEPTH + 1) + "]".repeat(StoredJson.MAX_DEPTH + 1);
        assertThat(StoredJson.of(deep)).isInstanceOf(RawValue.class);
        assertThat(StoredJson.of(deeper)).isEqualTo(deeper);
        // Written verbatim, numbers as stored.
        assertThat(new ObjectMapper().writeValueAsString(Map.of("output", StoredJson.of("{\"n\": 0.10}"))))
                .isEqualTo("{\"output\":{\"n\": 0.10}}");
    }
}

package io.stackl.tasks.worker.handler.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** RFC 7396 JSON merge patch, with the examples of its appendix A. */
class DocumentHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode patch(String target, String patch) throws Exception {
        return DocumentHandler.mergePatch(JSON.readTree(target), JSON.readTree(patch));
    }

    @Test
    void shouldMergePatchAsRfc7396Says() throws Exception {
        assertThat(patch("{\"a\":\"b\"}", "{\"a\":\"c\"}")).isEqualTo(JSON.readTree("{\"a\":\"c\"}"));
        assertThat(patch("{\"a\":\"b\"}", "{\"b\":\"c\"}")).isEqualTo(JSON.readTree("{\"a\":\"b\",\"b\":\"c\"}"));
        assertThat(patch("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}")).isEqualTo(JSON.readTree("{\"b\":\"c\"}"));
        assertThat(patch("{\"a\":[\"b\"]}", "{\"a\":\"c\"}")).isEqualTo(JSON.readTree("{\"a\":\"c\"}"));
        assertThat(patch("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}"))
                .isEqualTo(JSON.readTree("{\"a\":{\"b\":\"d\"}}"));
        assertThat(patch("{\"a\":\"foo\"}", "[\"c\"]")).isEqualTo(JSON.readTree("[\"c\"]"));
        assertThat(patch("{\"e\":null}", "{\"a\":1}")).isEqualTo(JSON.readTree("{\"e\":null,\"a\":1}"));
    }
}

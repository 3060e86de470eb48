package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.Normalizer;
import org.junit.jupiter.api.Test;

class ContentRulesTest {

    @Test
    void documentKeysFollowTheRule() {
        assertThat(ContentRules.documentKeyProblem("stacks/web")).isNull();
        assertThat(ContentRules.documentKeyProblem("émoji/😀")).isNull();
        assertThat(ContentRules.documentKeyProblem("x".repeat(512))).isNull();
        assertThat(ContentRules.documentKeyProblem("")).contains("empty");
        assertThat(ContentRules.documentKeyProblem("  ")).contains("whitespace");
        assertThat(ContentRules.documentKeyProblem(null)).contains("empty");
        assertThat(ContentRules.documentKeyProblem("a\u0000b")).contains("\"a\\u0000b\"").contains("U+0000");
        assertThat(ContentRules.documentKeyProblem("a\nb")).contains("control character U+000A");
        assertThat(ContentRules.documentKeyProblem("a\u0085b")).contains("control character U+0085");
        assertThat(ContentRules.documentKeyProblem("a\uD800b")).contains("unpaired surrogate U+D800");
        assertThat(ContentRules.documentKeyProblem("x".repeat(513))).contains("513 bytes");
        assertThat(ContentRules.documentKeyProblem("é".repeat(257))).contains("514 bytes");
        String decomposed = Normalizer.normalize("café", Normalizer.Form.NFD);
        assertThat(ContentRules.documentKeyProblem(decomposed)).contains("normal form C").contains("\"café\"");
    }

    @Test
    void jsonThatPostgresCouldNotStoreIsRefused() {
        assertThat(ContentRules.jsonProblem("arguments", "{\"a\":[1,2.5,\"x\",null,true,{\"b\":1e300}]}")).isNull();
        assertThat(ContentRules.jsonProblem("arguments", "{\"a\":\"\\u0000\"}")).contains("U+0000");
        assertThat(ContentRules.jsonProblem("arguments", "{\"\\u0000\":1}")).contains("field name");
        assertThat(ContentRules.jsonProblem("arguments", "{\"a\":\"\\ud800\"}")).contains("unpaired surrogate");
        assertThat(ContentRules.jsonProblem("arguments", "{\"a\":1e400000}")).contains("exponent");
        assertThat(ContentRules.jsonProblem("arguments", "{\"a\":-1e-400000}")).contains("exponent");
        assertThat(ContentRules.jsonProblem("arguments", "[".repeat(200) + "]".repeat(200))).contains("nested");
        assertThat(ContentRules.jsonProblem("arguments", "[".repeat(128) + "]".repeat(128))).isNull();
        assertThat(ContentRules.jsonProblem("arguments", "{\"a\":")).contains("not valid JSON");
        assertThat(ContentRules.jsonProblem("arguments", "{} {}")).contains("more than one value");
        assertThat(ContentRules.jsonProblem("arguments", "")).contains("empty");
        assertThat(ContentRules.jsonProblem("arguments", "0.0")).isNull();
        assertThat(ContentRules.jsonProblem("arguments", "-0")).isNull();
        // Beyond BigDecimal: must be a refusal, not an exception in whoever checks (the broker's task partition).
        assertThat(ContentRules.jsonProblem("output", "{\"a\":1e9999999999}")).contains("too large");
        assertThat(ContentRules.jsonProblem("output", "[0e-16384]")).contains("exponent");
        assertThat(ContentRules.jsonProblem("output", "\uFEFF{}")).isNotNull();
    }

    @Test
    void namesAndTextFollowTheirRules() {
        assertThat(ContentRules.nameProblem("source", "team-a", 200)).isNull();
        assertThat(ContentRules.nameProblem("source", "a\u0000b", 200)).contains("U+0000");
        assertThat(ContentRules.nameProblem("source", "a\tb", 200)).contains("U+0009");
        assertThat(ContentRules.nameProblem("source", "x".repeat(201), 200)).contains("201 characters");
        assertThat(ContentRules.textProblem("message", "line 1\nline 2\t.")).isNull();
        assertThat(ContentRules.textProblem("message", "a\u0000")).contains("U+0000");
    }

    @Test
    void storableTextReplacesWhatCannotBeStoredAndKeepsTheRest() {
        assertThat(ContentRules.storable("fine\ttext\n😀")).isEqualTo("fine\ttext\n😀");
        assertThat(ContentRules.storable("a\u0000b\uD800c\u0007")).isEqualTo("a\uFFFDb\uFFFDc\uFFFD");
        assertThat(ContentRules.textProblem("m", ContentRules.storable("\u0000\uDC00"))).isNull();
        assertThat(ContentRules.quote("k\u0000" + "x".repeat(100))).startsWith("\"k\\u0000x").endsWith("…\"");
    }
}

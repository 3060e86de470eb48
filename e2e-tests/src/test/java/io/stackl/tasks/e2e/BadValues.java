package io.stackl.tasks.e2e;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates task requests holding values from the edges of what can be stored: control characters, NUL, unpaired
 * surrogates, very long strings, deep nesting, huge and negative numbers, non-NFC spellings; and, as many, values that
 * look odd but are fine (emoji, accents in NFC, 512-byte keys, 300-digit integers). Each case says by construction
 * whether the system must refuse it, so a test holds the suite to both directions. Seeded: a failure names its seed.
 */
final class BadValues {

    /** Where the value goes: a declared key, an argument, a document's value, a name, or a function's output. */
    enum Target { KEY, ARGUMENT, DOCUMENT_VALUE, SUBTYPE, IDEMPOTENCY_KEY, OUTPUT }

    /**
     * One request. {@code mustRefuse}: the value breaks the content rules, so the request must be refused (400 or
     * REJECTED); else it must be admitted and end in a terminal state. For {@link Target#OUTPUT} the request is always
     * admitted and {@code mustRefuse} says whether the output must fail the task (INVALID_OUTPUT, rolled back).
     */
    record Case(int number, Target target, String what, boolean mustRefuse, Map<String, Object> body,
            String idempotencyKey) {}

    private final Random random;
    private final String prefix;
    private int next;

    BadValues(long seed, String prefix) {
        this.random = new Random(seed);
        this.prefix = prefix;
    }

    Case next() {
        int number = ++next;
        Target target = Target.values()[random.nextInt(Target.values().length)];
        boolean bad = random.nextInt(3) > 0; // two bad for one fine
        String doc = prefix + "doc-" + number;
        return switch (target) {
            case KEY -> {
                Value key = bad ? badKey() : fineKey();
                String declared = prefix + key.text;
                yield new Case(number, target, key.what, bad, task("document", "put", Map.of("key", declared,
                        "value", Map.of("v", number)), List.of(declared)), null);
            }
            case ARGUMENT -> {
                Value value = bad ? badJsonValue() : fineJsonValue();
                Map<String, Object> body = task("noop", "run", Map.of("value", value.json), List.of());
                yield new Case(number, target, value.what, bad, body, null);
            }
            case DOCUMENT_VALUE -> {
                Value value = bad ? badJsonValue() : fineJsonValue();
                Map<String, Object> body = task("document", "put", Map.of("key", doc, "value", value.json),
                        List.of(doc));
                yield new Case(number, target, value.what, bad, body, null);
            }
            case SUBTYPE -> {
                Value name = bad ? badName() : fineName();
                yield new Case(number, target, name.what, bad, task("noop", name.text, Map.of(), List.of()), null);
            }
            case IDEMPOTENCY_KEY -> {
                Value name = bad ? badHeaderName() : Value.text("ordinary idempotency key", "order-" + random.nextInt());
                yield new Case(number, target, name.what, bad, task("noop", "run", Map.of(), List.of()),
                        name.text + "-" + number);
            }
            case OUTPUT -> {
                Value output = bad ? badOutput() : fineOutput();
                yield new Case(number, target, output.what, bad, task("http", "call", Map.of("respond", output.text),
                        List.of()), null);
            }
        };
    }

    // ---------------------------------------------------------------- values

    /** A value: its text (for strings), its JSON form (for JSON values), and a description for reports. */
    private record Value(String what, String text, Object json) {
        static Value text(String what, String text) {
            return new Value(what, text, text);
        }
    }

    private Value badKey() {
        return switch (random.nextInt(6)) {
            case 0 -> Value.text("key with NUL", "a\u0000b" + random.nextInt(1000));
            case 1 -> {
                char control = controlCharacter();
                yield Value.text(String.format("key with U+%04X", (int) control), "k" + control + random.nextInt(1000));
            }
            case 2 -> Value.text("key with an unpaired surrogate", "lone" + (char) (0xD800 + random.nextInt(0x800)));
            case 3 -> Value.text("key over 512 bytes", "long-" + "x".repeat(513 + random.nextInt(2000)));
            case 4 -> Value.text("key not in NFC", Normalizer.normalize("café-" + random.nextInt(1000),
                    Normalizer.Form.NFD));
            default -> Value.text("key of many 4-byte characters over 512 bytes", "😀".repeat(130 + random.nextInt(50)));
        };
    }

    private Value fineKey() {
        return switch (random.nextInt(4)) {
            case 0 -> Value.text("key with emoji", "emoji-😀-" + random.nextInt(1000));
            case 1 -> Value.text("key in NFC with accents", "café/ünïcode-" + random.nextInt(1000));
            case 2 -> Value.text("key with spaces and symbols", "a b/c?d#e%f-" + random.nextInt(1000));
            default -> Value.text("key of exactly 512 bytes", "k" + "y".repeat(511 - prefix.length()));
            // (A key of exactly 512 bytes, with the prefix: the rule's upper bound, inclusive.)
        };
    }

    private Value badJsonValue() {
        return switch (random.nextInt(6)) {
            case 0 -> new Value("string with NUL", null, "a\u0000b");
            case 1 -> new Value("string with an unpaired surrogate", null, "x" + (char) (0xDC00 + random.nextInt(0x400)));
            case 2 -> new Value("nesting deeper than 128", null, nested(129 + random.nextInt(300)));
            case 3 -> new Value("huge number", null, new java.math.BigDecimal("1e" + (1001 + random.nextInt(90_000))));
            case 4 -> new Value("huge negative number", null,
                    new java.math.BigDecimal("-1e" + (1001 + random.nextInt(90_000))));
            default -> new Value("field name with NUL", null, Map.of("f\u0000", 1));
        };
    }

    private Value fineJsonValue() {
        return switch (random.nextInt(5)) {
            case 0 -> new Value("300-digit integer", null, new java.math.BigInteger("9".repeat(300)).negate());
            case 1 -> new Value("string with tabs, line breaks and emoji", null, "line 1\n\tline 2 😀");
            case 2 -> new Value("nesting of 100", null, nested(100));
            case 3 -> new Value("tiny and negative numbers", null, List.of(-0.0, 1e-300, -1.7976931348623157e308));
            default -> new Value("long string (20 KB)", null, "z".repeat(20_000));
        };
    }

    private Value badName() {
        return switch (random.nextInt(3)) {
            case 0 -> Value.text("name with NUL", "run\u0000" + random.nextInt(100));
            case 1 -> Value.text("name with a control character", "run" + controlCharacter());
            default -> Value.text("name over 200 characters", "n".repeat(201 + random.nextInt(100)));
        };
    }

    /** HTTP headers carry no control characters at all; what is left to refuse there is length. */
    private Value badHeaderName() {
        return Value.text("idempotency key over 200 characters", "i".repeat(201 + random.nextInt(100)));
    }

    private Value fineName() {
        return Value.text("name with accents and emoji", "nämé-😀-" + random.nextInt(100));
    }

    private Value badOutput() {
        return switch (random.nextInt(3)) {
            case 0 -> Value.text("output with an escaped NUL", "{\"body\":\"a\\u0000b\"}");
            case 1 -> Value.text("output with an escaped unpaired surrogate", "{\"body\":\"\\ud800\"}");
            default -> Value.text("output nested deeper than 128", "[".repeat(200) + "]".repeat(200));
        };
    }

    private Value fineOutput() {
        return switch (random.nextInt(3)) {
            case 0 -> Value.text("output that is not JSON (kept as a string)", "plain text, not JSON");
            case 1 -> Value.text("output with emoji", "{\"body\":\"😀\"}");
            default -> Value.text("empty output", "");
        };
    }

    // ---------------------------------------------------------------- helpers

    private char controlCharacter() {
        int pick = random.nextInt(32 + 33);
        return (char) (pick < 32 ? (pick == 0 ? 1 : pick) : 0x7F + (pick - 32));
    }

    private static Object nested(int depth) {
        Object value = 1;
        for (int i = 1; i < depth; i++) {
            value = List.of(value);
        }
        return value;
    }

    static Map<String, Object> task(String topic, String subtype, Map<String, Object> arguments, List<String> keys) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("topic", topic);
        body.put("subtype", subtype);
        body.put("arguments", arguments);
        body.put("changedDocumentKeys", new ArrayList<>(keys));
        body.put("queueTimeoutMs", 30_000);
        body.put("timeoutMs", 10_000);
        return body;
    }
}

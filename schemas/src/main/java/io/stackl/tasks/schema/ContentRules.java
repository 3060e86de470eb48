package io.stackl.tasks.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * What a value from outside must be before the system accepts it: written down once, and checked at every edge (the
 * gateway, the broker's intake, the worker's results, the history service's writes), so that nothing accepted is
 * later refused by PostgreSQL. PostgreSQL refuses NUL in {@code text} and {@code \u0000} or an unpaired surrogate
 * escape in {@code jsonb}, overflows {@code numeric} on huge exponents, and runs out of stack on very deep nesting; a
 * lone surrogate in a Java string reaches it as '?' (silently changed). See docs/content-rules.md.
 *
 * <p>Each {@code ...Problem} method returns null when the value is acceptable, else a sentence that says why, naming
 * the value as {@link #quote(String)} shows it (control characters escaped, so the sentence is itself storable).
 */
public final class ContentRules {

    /** A document key is at most this many bytes in UTF-8. */
    public static final int MAX_DOCUMENT_KEY_BYTES = 512;
    /** JSON (arguments, document values, outputs) nests at most this deep. */
    public static final int MAX_JSON_DEPTH = 128;
    /** A JSON number's decimal exponent (its magnitude) is at most this; PostgreSQL's numeric stops far beyond. */
    public static final int MAX_JSON_NUMBER_EXPONENT = 1000;
    /** Names (subtype, source, idempotency key, task id) are at most this many characters. */
    public static final int MAX_NAME_CHARS = 200;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
            .build();

    private ContentRules() {}

    /**
     * A document key: 1 to {@value #MAX_DOCUMENT_KEY_BYTES} bytes of UTF-8, not only whitespace, no control characters
     * (U+0000–U+001F, U+007F–U+009F), no unpaired surrogates, and in Unicode normal form C (so that two spellings of one name cannot
     * be two documents: keys are compared byte for byte).
     */
    public static String documentKeyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return "a document key is empty";
        }
        if (key.isBlank()) {
            return "document key " + quote(key) + " is only whitespace";
        }
        String bad = badCharacter(key, false);
        if (bad != null) {
            return "document key " + quote(key) + " " + bad;
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DOCUMENT_KEY_BYTES) {
            return "document key " + quote(key) + " is " + bytes + " bytes in UTF-8; at most " + MAX_DOCUMENT_KEY_BYTES;
        }
        if (!Normalizer.isNormalized(key, Normalizer.Form.NFC)) {
            return "document key " + quote(key) + " is not in Unicode normal form C; send "
                    + quote(Normalizer.normalize(key, Normalizer.Form.NFC));
        }
        return null;
    }

    /**
     * A name (task id, subtype, source, idempotency key): at most {@code maxChars}, no control characters, no unpaired
     * surrogates. {@code what} names the field in the sentence. Null is acceptable (the caller decides if required).
     */
    public static String nameProblem(String what, String value, int maxChars) {
        if (value == null) {
            return null;
        }
        String bad = badCharacter(value, false);
        if (bad != null) {
            return what + " " + quote(value) + " " + bad;
        }
        if (value.length() > maxChars) {
            return what + " is " + value.length() + " characters long; at most " + maxChars;
        }
        return null;
    }

    /**
     * Free text that will be stored (a failure message, a reason): no NUL and no unpaired surrogates; other control
     * characters (tabs, line breaks) are fine. Null is acceptable.
     */
    public static String textProblem(String what, String value) {
        if (value == null) {
            return null;
        }
        String bad = badCharacter(value, true);
        return bad == null ? null : what + " " + bad;
    }

    /**
     * A JSON text that will be stored as {@code jsonb} or read as such: well-formed, one value, nesting at most
     * {@value #MAX_JSON_DEPTH}, no NUL and no unpaired surrogate in any string or field name, no number with a decimal
     * exponent beyond ±{@value #MAX_JSON_NUMBER_EXPONENT}. Null is acceptable (the caller decides if required).
     */
    public static String jsonProblem(String what, String json) {
        if (json == null) {
            return null;
        }
        String bad = badCharacter(json, true);
        if (bad != null) {
            return what + " " + bad;
        }
        try (JsonParser parser = JSON.createParser(json)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return what + " is empty, not JSON";
            }
            int depth = 0;
            do {
                switch (token) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME, VALUE_STRING -> {
                        String text = parser.getText();
                        String inString = badCharacter(text, true);
                        if (inString != null) {
                            return what + ": the JSON " + (token == JsonToken.FIELD_NAME ? "field name " : "string ")
                                    + quote(text) + " " + inString;
                        }
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        String problem = numberProblem(parser);
                        if (problem != null) {
                            return what + ": the JSON number " + quote(parser.getText()) + " " + problem;
                        }
                    }
                    default -> {
                        // Integers are bounded by the parser's number length; true, false, null are fine.
                    }
                }
                token = parser.nextToken();
            } while (depth > 0 && token != null);
            if (depth > 0) {
                return what + " is not valid JSON: it ends inside an object or array";
            }
            if (parser.nextToken() != null) {
                return what + " is not valid JSON: more than one value";
            }
            return null;
        } catch (StreamConstraintsException e) {
            return what + " is nested too deeply or holds too large a value: " + e.getOriginalMessage();
        } catch (IOException e) {
            String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException p
                    ? p.getOriginalMessage() : e.getMessage();
            return what + " is not valid JSON: " + storable(detail);
        }
    }

    /**
     * Why a floating-point literal cannot be stored, or null. The exponent written counts, also on a zero: PostgreSQL
     * keeps the scale of {@code 0e-17000} and refuses it; an exponent beyond what BigDecimal can hold does not even
     * parse (a NumberFormatException, which must be a refusal, not an error of whoever checks).
     */
    private static String numberProblem(JsonParser parser) throws IOException {
        BigDecimal number;
        try {
            number = parser.getDecimalValue();
        } catch (NumberFormatException | ArithmeticException e) {
            return "has an exponent too large to represent; at most ±" + MAX_JSON_NUMBER_EXPONENT;
        }
        long exponent = number.signum() == 0 ? -(long) number.scale() : (long) number.precision() - number.scale() - 1;
        if (Math.abs(exponent) > MAX_JSON_NUMBER_EXPONENT) {
            return "has a decimal exponent of " + exponent + "; at most ±" + MAX_JSON_NUMBER_EXPONENT;
        }
        return null;
    }

    /**
     * Text made storable: NUL, other control characters except tab, line feed and carriage return, and unpaired
     * surrogates each become U+FFFD. For messages that must be kept whatever they say (failure messages from
     * handlers, exception messages); values that mean something (keys, documents) are refused instead.
     */
    public static String storable(String text) {
        if (text == null || noneToReplace(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c) || (isControl(c) && c != '\t' && c != '\n' && c != '\r')) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A value as a sentence can name it: in double quotes, with control characters and unpaired surrogates written
     * as {@code \}{@code uXXXX} and anything past 80 characters cut, so that the sentence is itself storable and short.
     */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), 80) + 2).append('"');
        int i = 0;
        for (int shown = 0; i < value.length() && shown < 80; i++, shown++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                out.append(c).append(value.charAt(++i));
            } else if (isControl(c) || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04X", (int) c));
            } else {
                out.append(c);
            }
        }
        if (i < value.length()) {
            out.append('…');
        }
        return out.append('"').toString();
    }

    private static boolean noneToReplace(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c) || (isControl(c) && c != '\t' && c != '\n' && c != '\r')) {
                return false;
            }
        }
        return true;
    }

    /** The first character that is not allowed, described; null if all are. */
    private static String badCharacter(String value, boolean controlsAllowedButNul) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                return String.format("contains an unpaired surrogate U+%04X at index %d (not valid Unicode)", (int) c, i);
            }
            if (c == '\u0000') {
                return "contains the character U+0000 (NUL) at index " + i + ", which PostgreSQL cannot store";
            }
            if (!controlsAllowedButNul && isControl(c)) {
                return String.format("contains the control character U+%04X at index %d", (int) c, i);
            }
        }
        return null;
    }

    private static boolean isControl(char c) {
        return c <= '\u001F' || (c >= '\u007F' && c <= '\u009F');
    }
}

package io.stackl.tasks.history.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;

/**
 * Stored JSON put into an answer as JSON: written out verbatim (no parse into a tree and back, so numbers stay exactly
 * as stored). A {@code jsonb} column is valid JSON by construction; a {@code text} one ({@code output}, as a worker
 * reported it) is checked first, and answered as a plain string if it is not one JSON value or nests deeper than
 * {@link #MAX_DEPTH} (the content rules' limit: deeper, the answer it sits in could exceed what its readers parse).
 */
final class StoredJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    static final int MAX_DEPTH = 128;

    private StoredJson() {}

    static Object of(String text) {
        return isJson(text) ? new RawValue(text) : text;
    }

    static boolean isJson(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            int depth = 0;
            JsonToken token = parser.nextToken();
            if (token == null) {
                return false;
            }
            do {
                if (token.isStructStart() && ++depth > MAX_DEPTH) {
                    return false;
                } else if (token.isStructEnd()) {
                    depth--;
                }
                token = parser.nextToken();
            } while (depth > 0 && token != null);
            return depth == 0 && token == null;
        } catch (IOException notJson) {
            return false;
        }
    }
}

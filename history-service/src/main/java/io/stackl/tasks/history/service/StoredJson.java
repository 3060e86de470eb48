package io.stackl.tasks.history.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;

/**
 * Stored JSON put into an answer as JSON: written out verbatim (no parse into a tree and back, so numbers stay exactly
 * as stored). A {@code jsonb} column is valid JSON by construction; a {@code text} one ({@code output}, as a worker
 * reported it) is checked first, and answered as a plain string if it is not JSON.
 */
final class StoredJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private StoredJson() {}

    static Object of(String text) {
        return isJson(text) ? new RawValue(text) : text;
    }

    static boolean isJson(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException notJson) {
            return false;
        }
    }
}

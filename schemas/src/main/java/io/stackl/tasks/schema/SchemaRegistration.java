package io.stackl.tasks.schema;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/**
 * Registers the schema of every public topic under its subject ({@code <topic>-value}) so that a client in another language can encode with the latest version of a subject (a result
 * from a Node.js worker, say) before any Java service has written one. Registering an already registered schema is
 * a no-op for the registry. The generated classes' schemas are self-contained (nested types inlined).
 *
 * <p>It uses Apicurio's own API with the artifact type given, in group {@code default}, which the Confluent API
 * serves as the same subjects: Apicurio's Confluent API guesses the type from the content and fails on schemas with
 * a string default of {@code "{}"} (HTTP 422 "Failed to discover artifact type"), which {@code TaskRequest} has.
 */
public final class SchemaRegistration {

    /** One client for the few requests of a start-up: a client starts a selector thread of its own. */
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SchemaRegistration() {}

    /** The subjects and schemas of the fixed topics, plus {@code WorkItem} for each given work topic. */
    public static Map<String, Schema> subjects(Iterable<String> workTopics) {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        Topics.recordTypes(workTopics).forEach((topic, type) ->
                subjects.put(topic + "-value", SpecificData.get().getSchema(type)));
        return subjects;
    }

    /**
     * @param apicurioApiUrl e.g. {@code http://127.0.0.1:8081/apis/registry/v3}
     * @throws IllegalStateException if the registry refuses a schema (e.g. an incompatible change)
     */
    public static void registerAll(String apicurioApiUrl, Map<String, Schema> subjects) {
        registerAll(apicurioApiUrl, subjects, System.getenv());
    }

    /** The same, with the registry's credentials taken from {@code settings} (RegistrySecurity's variables). */
    static void registerAll(String apicurioApiUrl, Map<String, Schema> subjects, Map<String, String> settings) {
        for (Map.Entry<String, Schema> subject : subjects.entrySet()) {
            String body = "{\"artifactId\":" + quote(subject.getKey()) + ",\"artifactType\":\"AVRO\","
                    + "\"firstVersion\":{\"content\":{\"contentType\":\"application/json\",\"content\":"
                    + quote(subject.getValue().toString()) + "}}}";
            HttpRequest.Builder request = registryRequest(apicurioApiUrl,
                    "/groups/default/artifacts?ifExists=FIND_OR_CREATE_VERSION", Duration.ofSeconds(10), settings)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            try {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("the registry refused the schema of " + subject.getKey() + ": HTTP "
                            + response.statusCode() + " " + response.body());
                }
            } catch (IOException e) {
                throw new IllegalStateException("the registry at " + apicurioApiUrl + " did not answer: "
                        + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while registering schemas", e);
            }
        }
    }

    /**
     * Whether anything is registered under {@code subject}. Only the registry's own "not found" counts as no; a
     * registry that cannot be reached, or answers anything else (a wrong URL's 404 included), counts as yes: the
     * caller's own lookup then meets the same trouble and says what it is.
     */
    static boolean hasSubject(String apicurioApiUrl, String subject) {
        return hasSubject(apicurioApiUrl, subject, System.getenv());
    }

    /** The same, with the registry's credentials taken from {@code settings} (RegistrySecurity's variables). */
    static boolean hasSubject(String apicurioApiUrl, String subject, Map<String, String> settings) {
        HttpRequest.Builder request = registryRequest(apicurioApiUrl, "/groups/default/artifacts/" + subject,
                Duration.ofSeconds(3), settings).GET();
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return !(response.statusCode() == 404 && response.body().contains("NotFoundException"));
        } catch (IOException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** A request to the registry's API at {@code path}, with the registry's credentials when they are set. */
    private static HttpRequest.Builder registryRequest(String apicurioApiUrl, String path, Duration timeout,
            Map<String, String> settings) {
        String base = apicurioApiUrl.endsWith("/") ? apicurioApiUrl.substring(0, apicurioApiUrl.length() - 1)
                : apicurioApiUrl;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        RegistrySecurity.authorization(settings).ifPresent(value -> request.header("Authorization", value));
        return request;
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}

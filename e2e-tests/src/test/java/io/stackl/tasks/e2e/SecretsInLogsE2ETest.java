package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * No secrets and no payloads in the logs: the scenarios run with one marker value in task arguments (over REST and
 * straight onto Kafka), in document contents (written, then restored by a rollback), in refused input, in API keys
 * (good and bad), in a bearer token and in service tokens; then every service's log is searched for the marker, and
 * for every real secret the suite gave the services (their internal API tokens and Kafka passwords).
 */
@Tag("e2e")
class SecretsInLogsE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Set<String> ENDED = Set.of("SUCCEEDED", "ROLLED_BACK", "REJECTED", "ROLLBACK_FAILED",
            "CANCELLED");
    private final String marker = "mk" + UUID.randomUUID().toString().replace("-", "");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldWriteNeitherSecretsNorPayloadsToAnyServiceLog() throws Exception {
        Suite suite = Suite.get();
        String key = "secrets/" + UUID.randomUUID().toString().substring(0, 8) + "/doc";
        String missing = key + "-missing";

        // Arguments and document contents, on the way in and on the way back (the rollback restores them).
        assertThat(state(suite.post("/tasks?wait=30", Map.of("topic", "document", "subtype", "put", "arguments",
                Map.of("key", key, "value", Map.of("secret", marker)), "changedDocumentKeys", List.of(key)))))
                .isEqualTo("SUCCEEDED");
        Suite.Reply rolledBack = suite.post("/tasks?wait=30", Map.of("topic", "document", "subtype", "batch",
                "arguments", Map.of("operations", List.of(
                        Map.of("op", "put", "key", key, "value", Map.of("secret", marker + "2")),
                        Map.of("op", "patch", "key", missing, "value", Map.of("secret", marker + "3")))),
                "changedDocumentKeys", List.of(key, missing)));
        assertThat(state(rolledBack)).isEqualTo("ROLLED_BACK");
        assertThat(state(suite.post("/tasks?wait=30", Map.of("topic", "noop", "subtype", "run", "arguments",
                Map.of("note", marker))))).isEqualTo("SUCCEEDED");
        try (KafkaDoor kafka = new KafkaDoor(suite)) {
            String id = kafka.request(Map.of("topic", "noop", "subtype", "run", "arguments", Map.of("note", marker),
                    "changedDocumentKeys", List.of(), "queueTimeoutMs", 30_000, "timeoutMs", 30_000), null);
            Awaitility.await().atMost(WAIT).until(() -> ENDED.contains(suite.get("/tasks/" + id).body()
                    .path("state").asText()));
        }
        // Refused input: a value the content rules refuse, a body that is not JSON.
        assertThat(suite.post("/tasks", Map.of("topic", "noop", "subtype", "run", "arguments",
                Map.of("note", marker + "\u0000"))).status()).isEqualTo(400);
        assertThat(suite.postJson("/tasks", "{\"topic\": \"noop\", \"arguments\": " + marker, Map.of()).status())
                .isEqualTo(400);

        // Credentials: API keys and a bearer token, on a gateway with authentication on.
        String apiKey = marker + "-key";
        Path config = Files.createTempFile("gateway-auth", ".properties");
        Files.writeString(config, "tasks.gateway.auth.enabled=true\n"
                + "tasks.gateway.auth.clients.marker.key-sha256=" + sha256(apiKey) + "\n"
                + "tasks.gateway.auth.clients.marker.topics=noop\n");
        ServiceProcess gateway = suite.startAnother("api-gateway", Map.of("QUARKUS_CONFIG_LOCATIONS", config.toString()));
        try {
            String task = "{\"topic\": \"noop\", \"subtype\": \"run\", \"arguments\": {\"note\": \"" + marker + "\"}}";
            assertThat(post(gateway.url() + "/tasks", task, "Authorization", "ApiKey " + apiKey).statusCode())
                    .isEqualTo(202);
            assertThat(post(gateway.url() + "/tasks", task, "X-API-Key", marker + "-wrong").statusCode()).isEqualTo(401);
            assertThat(post(gateway.url() + "/tasks", task, "Authorization", "Bearer " + marker + ".e30.sig")
                    .statusCode()).isEqualTo(401);
        } finally {
            gateway.close();
            Files.deleteIfExists(config);
        }
        // A service token that is not one, at both internal APIs.
        assertThat(get(suite.history.url() + "/tasks?limit=1", "Bearer " + marker).statusCode()).isEqualTo(401);
        assertThat(get(suite.broker.url() + "/locks", "Bearer " + marker).statusCode()).isEqualTo(401);

        Map<String, String> secrets = new HashMap<>(suite.secrets());
        secrets.put("the marker", marker);
        assertThat(secrets.values()).allSatisfy(secret -> assertThat(secret).hasSizeGreaterThan(15));
        // Anything written by now is in the files: the services write their logs unbuffered, line by line.
        List<String> found = new ArrayList<>();
        List<Path> logs;
        try (Stream<Path> files = Files.list(suite.logs())) {
            logs = files.filter(f -> f.toString().endsWith(".log")).toList();
        }
        assertThat(logs).extracting(f -> f.getFileName().toString()).contains("api-gateway.log", "task-broker.log",
                "worker-service.log", "history-service.log");
        // The logs are the ones this run wrote to: the history service logged the rollback of this test's task.
        assertThat(Files.readString(suite.logs().resolve("history-service.log")))
                .contains(rolledBack.body().path("taskId").asText());
        for (Path log : logs) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            secrets.forEach((what, secret) -> {
                int at = text.indexOf(secret);
                if (at >= 0) {
                    int lineStart = text.lastIndexOf('\n', at) + 1;
                    int lineEnd = text.indexOf('\n', at);
                    found.add(what + " in " + log.getFileName() + ": "
                            + text.substring(lineStart, lineEnd < 0 ? text.length() : lineEnd).replace(secret, "<" + what + ">"));
                }
            });
        }
        assertThat(found).as("secrets or payloads in the service logs").isEmpty();
    }

    private static String state(Suite.Reply reply) {
        return reply.body().path("state").asText(reply.status() + " " + reply.body());
    }

    private HttpResponse<String> post(String url, String body, String header, String value) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header(header, value)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String authorization) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}

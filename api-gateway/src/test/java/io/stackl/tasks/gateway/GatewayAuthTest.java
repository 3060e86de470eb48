package io.stackl.tasks.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** API keys (configured as hashes only) and per-client topic permissions. */
@QuarkusTest
@TestProfile(GatewayAuthTest.WithApiKeys.class)
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class GatewayAuthTest {

    public static class WithApiKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tasks.gateway.auth.enabled", "true",
                    "tasks.gateway.auth.clients.ops.key-sha256", sha256("ops-secret"),
                    "tasks.gateway.auth.clients.ops.topics", "*",
                    "tasks.gateway.auth.clients.reader.key-sha256", sha256("reader-secret"),
                    "tasks.gateway.auth.clients.reader.topics", "noop");
        }
    }

    @Test
    void shouldAnswer401ProblemJsonWithoutAValidKey() {
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run")).post("/tasks")
                .then().statusCode(401).contentType("application/problem+json").header("WWW-Authenticate", "ApiKey")
                .body("type", equalTo("/problems/unauthorized"));
        given().header("X-API-Key", "wrong").get("/tasks/some-id").then().statusCode(401);
    }

    @Test
    void shouldAnswer403ProblemJsonForATopicTheClientMayNotSubmit() {
        given().header("Authorization", "ApiKey reader-secret").contentType(ContentType.JSON)
                .body(Map.of("topic", "document", "subtype", "put")).post("/tasks")
                .then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("/problems/forbidden")).body("topic", equalTo("document"));
    }

    @Test
    void shouldAcceptAValidKeyAndRecordTheClientAsTheSource() {
        String taskId = given().header("X-API-Key", "ops-secret").contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=30")
                .then().statusCode(200).body("state", equalTo("SUCCEEDED")).extract().path("taskId");

        given().header("X-API-Key", "ops-secret").get("/tasks/{id}", taskId).then().statusCode(200)
                .body("source", equalTo("ops"));
    }

    /** With bearer tokens off, an Authorization header some proxy added does not hide a valid API key. */
    @Test
    void shouldTakeTheApiKeyBesideABearerHeaderWhenTokensAreOff() {
        given().header("Authorization", "Bearer added-by-a-proxy").header("X-API-Key", "ops-secret")
                .contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=30")
                .then().statusCode(200);
    }

    /** Cancelling a task needs the same permission as submitting it. */
    @Test
    void shouldLetOnlyClientsThatMaySubmitATopicCancelItsTasks() {
        String key = "auth-test/" + UUID.randomUUID();
        String taskId = given().header("X-API-Key", "ops-secret").contentType(ContentType.JSON)
                .body(Map.of("topic", "document", "subtype", "put", "changedDocumentKeys", List.of(key),
                        "arguments", Map.of("key", key, "value", Map.of("n", 1))))
                .post("/tasks?wait=30").then().statusCode(200).extract().path("taskId");

        given().header("X-API-Key", "reader-secret").delete("/tasks/{id}", taskId).then().statusCode(403)
                .contentType("application/problem+json").body("topic", equalTo("document"));
        given().header("X-API-Key", "ops-secret").delete("/tasks/{id}", taskId).then().statusCode(202);
    }

    @Test
    void shouldKeepHealthAndMetricsOpen() {
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    /** The console's page holds no data and is served to anyone; every API call it makes needs a key (ADR 0014). */
    @Test
    void shouldServeTheConsolePageOpenlyButNotWhatItReads() {
        given().get("/console/").then().statusCode(200);
        given().get("/console/console.js").then().statusCode(200);
        for (String path : List.of("/locks", "/locks/some/key", "/dead-letters", "/tasks/-/counts",
                "/tasks/some-id/snapshots", "/events")) {
            given().get(path).then().statusCode(401).contentType("application/problem+json");
        }
    }

    /** A task's arguments only for a client that may submit its topic; dead letters' values only for {@code *}. */
    @Test
    void shouldShowPayloadsOnlyToClientsThatMaySubmitThem() {
        String key = "auth-test/" + UUID.randomUUID();
        String taskId = given().header("X-API-Key", "ops-secret").contentType(ContentType.JSON)
                .body(Map.of("topic", "document", "subtype", "put", "changedDocumentKeys", List.of(key),
                        "arguments", Map.of("key", key, "value", Map.of("password", "hunter2"))))
                .post("/tasks?wait=30").then().statusCode(200).extract().path("taskId");

        given().header("X-API-Key", "ops-secret").get("/tasks/{id}", taskId).then().statusCode(200)
                .body("arguments.value.password", equalTo("hunter2"));
        given().header("X-API-Key", "reader-secret").get("/tasks/{id}", taskId).then().statusCode(200)
                .body("arguments", nullValue()).body("topic", equalTo("document"));

        String marker = "auth-poison-" + UUID.randomUUID();
        Config config = ConfigProvider.getConfig();
        try (KafkaTestClient kafka = new KafkaTestClient(config.getValue("kafka.bootstrap.servers", String.class),
                config.getValue("tasks.schema-registry.url", String.class))) {
            kafka.sendRaw(Topics.TASK_REQUESTS.name(), marker, ("secret " + marker).getBytes(StandardCharsets.UTF_8));
        }
        String mine = "find { it.key == '" + marker + "' }";
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().header("X-API-Key", "ops-secret").get("/dead-letters?limit=200").then().statusCode(200)
                        .body(mine + ".valuePreview", equalTo("secret " + marker)));
        given().header("X-API-Key", "reader-secret").get("/dead-letters?limit=200").then().statusCode(200)
                .body(mine + ".valuePreview", nullValue()).body(mine + ".valueEncoding", equalTo("withheld"))
                .body(mine + ".sourceTopic", equalTo("task-requests"));
    }

    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.stackl.tasks.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
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

    @Test
    void shouldKeepHealthAndMetricsOpen() {
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
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

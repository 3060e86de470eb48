package io.stackl.tasks.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.stackl.tasks.schema.TaskPartitions;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway on the real suite: broker, history service and worker as processes, real Kafka and PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class GatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TestHTTPResource("/")
    URL base;

    @BeforeEach
    void awaitReady() {
        // The first submission of the module waits until the whole path (gateway → broker → worker) answers.
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> given().contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=5").statusCode() == 200);
    }

    @Test
    void shouldAnswerWithTheResultWhenTheTaskEndsWithinTheWait() {
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run", "arguments", Map.of("x", 1)))
                .post("/tasks?wait=20")
                .then().statusCode(200)
                .body("state", equalTo("SUCCEEDED"))
                .body("output.x", equalTo(1))
                .body("taskId", notNullValue());
    }

    @Test
    void shouldAnswer202WithTheLocationWhenTheWaitEndsFirstAndNeverThen404() {
        long started = System.nanoTime();
        Response accepted = given().contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "sleep", "arguments", Map.of("ms", 3000)))
                .post("/tasks?wait=1");
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        String location = accepted.header("Location");

        accepted.then().statusCode(202).body("taskId", notNullValue());
        assertThat(location).startsWith("/tasks/");
        assertThat(tookMs).as("the wait ends at its bound of 1 s").isBetween(1_000L, 5_000L);
        given().get(location).then().statusCode(200);
        Awaitility.await().atMost(WAIT).until(() -> given().get(location).then().extract().jsonPath()
                .getList("events.state").contains("DISPATCHED"));
        Awaitility.await().atMost(WAIT).until(() -> given().get(location + "/result").statusCode() == 200);
        given().get(location + "/result").then().body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void shouldChangeADocumentThroughATaskAndReadItBack() {
        String key = "gateway-test/" + UUID.randomUUID();

        given().contentType(ContentType.JSON).body(Map.of("topic", "document", "subtype", "put",
                        "arguments", Map.of("key", key, "value", Map.of("replicas", 3)),
                        "changedDocumentKeys", List.of(key)))
                .post("/tasks?wait=20").then().statusCode(200).body("state", equalTo("SUCCEEDED"));

        given().get("/documents/" + key).then().statusCode(200).body("version", equalTo(1))
                .body("value.replicas", equalTo(3));

        // The stored JSON comes back as JSON, in the document's history too: the second write's snapshot holds the
        // value the first one wrote.
        given().contentType(ContentType.JSON).body(Map.of("topic", "document", "subtype", "put",
                        "arguments", Map.of("key", key, "value", Map.of("replicas", 5)),
                        "changedDocumentKeys", List.of(key)))
                .post("/tasks?wait=20").then().statusCode(200).body("state", equalTo("SUCCEEDED"))
                .body("output.version", equalTo(2));
        given().get("/documents/-/snapshots?key=" + key).then().statusCode(200)
                .body("[0].preValue.replicas", equalTo(3)).body("[1].preValue", org.hamcrest.Matchers.nullValue())
                // Each write's after too (ADR 0014): the console's diff is exact.
                .body("[0].postValue.replicas", equalTo(5)).body("[0].postVersion", equalTo(2))
                .body("[0].postDeleted", equalTo(false)).body("[1].postValue.replicas", equalTo(3));
        given().get("/documents?prefix=" + key).then().statusCode(200).body("[0].value.replicas", equalTo(5));
    }

    /** A task's writes, in order, each with its before and after ({@code GET /tasks/{id}/snapshots}). */
    @Test
    void shouldListATasksWritesWithTheirBeforeAndAfter() {
        String key = "gateway-test/" + UUID.randomUUID();
        List<Map<String, Object>> operations = List.of(
                Map.of("op", "put", "key", key, "value", Map.of("n", 1)),
                Map.of("op", "put", "key", key, "value", Map.of("n", 2)),
                Map.of("op", "delete", "key", key));
        String id = given().contentType(ContentType.JSON).body(Map.of("topic", "document", "subtype", "batch",
                        "arguments", Map.of("operations", operations), "changedDocumentKeys", List.of(key)))
                .post("/tasks?wait=20").then().statusCode(200).body("state", equalTo("SUCCEEDED"))
                .extract().path("taskId");

        given().get("/tasks/{id}/snapshots", id).then().statusCode(200).body("", hasSize(3))
                .body("[0].preValue", org.hamcrest.Matchers.nullValue()).body("[0].postValue.n", equalTo(1))
                .body("[1].preValue.n", equalTo(1)).body("[1].postValue.n", equalTo(2))
                .body("[2].preValue.n", equalTo(2)).body("[2].postDeleted", equalTo(true))
                .body("[2].postValue", org.hamcrest.Matchers.nullValue());
    }

    /**
     * A key's holder and the queue behind it, live from the broker's lock store, and each task's own view of its keys:
     * held since when and after how long a wait, or waited for since when.
     */
    @Test
    void shouldShowWhoHoldsAKeyAndWhoWaitsBehindIt() {
        String key = "gateway-test/locked/" + UUID.randomUUID();
        // Long enough to outlast the checks on a slow machine; cancelled at the end.
        String holder = submit(Map.of("topic", "noop", "subtype", "sleep", "arguments", Map.of("ms", 60_000),
                "changedDocumentKeys", List.of(key), "timeoutMs", 120_000));
        awaitState(holder, "DISPATCHED");
        // One after the other: their requests take different partitions, so only this fixes the queue's order.
        String first = submit(Map.of("topic", "noop", "subtype", "run", "changedDocumentKeys", List.of(key)));
        awaitState(first, "WAITING_FOR_LOCKS");
        String second = submit(Map.of("topic", "noop", "subtype", "run", "changedDocumentKeys", List.of(key)));
        awaitState(second, "WAITING_FOR_LOCKS");

        Awaitility.await().atMost(WAIT).untilAsserted(() -> given().get("/locks/" + key).then().statusCode(200)
                .body("key", equalTo(key)).body("holder.taskId", equalTo(holder))
                .body("holder.since", notNullValue()).body("waiters.taskId", org.hamcrest.Matchers.contains(first,
                        second))
                .body("waiters.position", org.hamcrest.Matchers.contains(1, 2))
                .body("waiters[0].waitingMs", org.hamcrest.Matchers.greaterThanOrEqualTo(0)));
        given().get("/locks?limit=500").then().statusCode(200).body("key", org.hamcrest.Matchers.hasItem(key));
        // The gateway gave each an id on the key's partition, so the broker takes their lock without a round trip
        // (ADR 0017). The suite's topics have the default 6 partitions.
        for (String id : List.of(holder, first, second)) {
            assertThat(TaskPartitions.partitionOf(id, 6)).as(id)
                    .isEqualTo(TaskPartitions.partitionOf(key, 6));
        }
        given().get("/tasks/{id}", holder).then().body("locks[0].key", equalTo(key))
                .body("locks[0].status", equalTo("HELD")).body("locks[0].grantedAt", notNullValue())
                .body("locks[0].waitedMs", org.hamcrest.Matchers.greaterThanOrEqualTo(0))
                .body("arguments.ms", equalTo(60_000));
        given().get("/tasks/{id}", second).then().body("locks[0].status", equalTo("WAITING"))
                .body("locks[0].waitingSince", notNullValue());

        // When all three have ended, nobody holds the key: a free key answers with neither holder nor queue. The
        // last release reaches the lock partition after the task's end, hence the wait.
        given().delete("/tasks/{id}?reason=test", holder).then().statusCode(202);
        awaitState(second, "SUCCEEDED");
        Awaitility.await().atMost(WAIT).untilAsserted(() -> given().get("/locks/" + key).then().statusCode(200)
                .body("holder", org.hamcrest.Matchers.nullValue()).body("waiters", hasSize(0)));
        given().get("/tasks/{id}", holder).then().body("locks[0].status", equalTo("RELEASED"));
        given().get("/locks?limit=0").then().statusCode(400).contentType("application/problem+json");
        given().get("/locks?limit=abc").then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("limit"));
    }

    @Test
    void shouldCountTasksPerStateAndFilterBySource() {
        submit(Map.of("topic", "noop", "subtype", "run"));
        Awaitility.await().atMost(WAIT).untilAsserted(() -> given().get("/tasks/-/counts?source=anonymous").then()
                .statusCode(200).body("SUCCEEDED", org.hamcrest.Matchers.greaterThan(0)));
        given().get("/tasks?source=anonymous&limit=5").then().statusCode(200).body("source",
                org.hamcrest.Matchers.everyItem(equalTo("anonymous")));
        given().get("/tasks?source=nobody-of-that-name").then().statusCode(200).body("", hasSize(0));
        given().get("/tasks/-/counts?state=NOPE").then().statusCode(400).contentType("application/problem+json");
    }

    /** A record the broker could not read, as the dead-letter listing shows it: where from, who refused it, why. */
    @Test
    void shouldReadTheNewestDeadLettersWithWhyAndRefuseABadLimit() {
        String marker = "gateway-poison-" + UUID.randomUUID();
        Config config = ConfigProvider.getConfig();
        try (KafkaTestClient kafka = new KafkaTestClient(config.getValue("kafka.bootstrap.servers", String.class),
                config.getValue("tasks.schema-registry.url", String.class))) {
            kafka.sendRaw(Topics.TASK_REQUESTS.name(), marker, ("not a request " + marker).getBytes(
                    StandardCharsets.UTF_8));
        }

        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> given()
                .get("/dead-letters?limit=200").then().statusCode(200).contentType(ContentType.JSON)
                .body("find { it.key == '" + marker + "' }.sourceTopic", equalTo("task-requests"))
                .body("find { it.key == '" + marker + "' }.failedBy", equalTo("task-broker"))
                .body("find { it.key == '" + marker + "' }.errorClass", notNullValue())
                .body("find { it.key == '" + marker + "' }.valuePreview", equalTo("not a request " + marker))
                .body("find { it.key == '" + marker + "' }.valueEncoding", equalTo("utf-8")));
        given().get("/dead-letters?limit=abc").then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("limit"));
    }

    private static void awaitState(String taskId, String state) {
        Awaitility.await().atMost(WAIT).until(() -> state.equals(given().get("/tasks/{id}", taskId).path("state")));
    }

    /** The console is served by the gateway itself, from its own files: no CDN, nothing fetched from elsewhere. */
    @Test
    void shouldServeTheConsoleFromItsOwnFilesOnly() {
        String page = given().get("/console/").then().statusCode(200).contentType(containsString("text/html"))
                .extract().asString();
        assertThat(page).contains("console.js").contains("console.css");
        for (String file : List.of("/console/", "/console/console.js", "/console/console.css")) {
            String text = given().get(file).then().statusCode(200).extract().asString();
            assertThat(text).as(file + " loads nothing from elsewhere").doesNotContainPattern(
                    "(src|href)\\s*=\\s*[\"']?(https?:)?//").doesNotContain("@import").doesNotContainPattern(
                    "url\\(\\s*['\"]?(https?:)?//");
        }
    }

    private static String submit(Map<String, Object> task) {
        return given().contentType(ContentType.JSON).body(task).post("/tasks").then().statusCode(202).extract()
                .path("taskId");
    }

    @Test
    void shouldRollBackAFailingTaskAndSaySo() {
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "fail"))
                .post("/tasks?wait=20").then().statusCode(200)
                .body("state", equalTo("ROLLED_BACK"))
                .body("reason", startsWith("REQUESTED_FAILURE"));
    }

    @Test
    void shouldReturnTheFirstTaskForARepeatedIdempotencyKey() {
        String key = "idem-" + UUID.randomUUID();
        String first = given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=20").then().statusCode(200)
                .extract().path("taskId");

        given().redirects().follow(false).contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=20")
                .then().statusCode(303).header("Location", "/tasks/" + first);
    }

    @Test
    void shouldExplainEveryBadBodyAsProblemJson() {
        given().contentType(ContentType.JSON).body(Map.of("subtype", "run")).post("/tasks")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-task")).body("errors", hasSize(1))
                .body("errors[0].field", equalTo("topic"));
        given().contentType(ContentType.JSON).body("{not json").post("/tasks")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", startsWith("The body is not valid JSON at line 1, column "));
        // JSON of the wrong shape: Quarkus alone answers these with an empty 400 outside dev and test mode.
        given().contentType(ContentType.JSON).body("[1, 2]").post("/tasks")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("The body must be an object"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run", "timeoutMs", "soon"))
                .post("/tasks").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("timeoutMs must be a number, was \"soon\""))
                .body("errors[0].field", equalTo("timeoutMs"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "changedDocumentKeys", List.of(Map.of("a", 1))))
                .post("/tasks").then().statusCode(400).body("field", equalTo("changedDocumentKeys[0]"));
        // Timeouts over the configured maxima (those of the broker, which would reject the task) are named.
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "timeoutMs", 99_999_999_999_999_999L))
                .post("/tasks").then().statusCode(400).contentType("application/problem+json")
                .body("field", equalTo("timeoutMs")).body("detail", containsString("at most 86400000 ms"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "queueTimeoutMs", 3_600_001L))
                .post("/tasks").then().statusCode(400).body("field", equalTo("queueTimeoutMs"));
        // A body over quarkus.http.limits.max-body-size: Vert.x alone answers 413 with an empty body.
        given().contentType(ContentType.JSON).body("{\"topic\": \"" + "x".repeat(2_000_000) + "\"}").post("/tasks")
                .then().statusCode(413).contentType("application/problem+json")
                .body("type", equalTo("/problems/body-too-large")).body("maxBodyBytes", equalTo(1_048_576));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run", "arguments", List.of(1)))
                .post("/tasks").then().statusCode(400).body("detail", equalTo("arguments must be a JSON object"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run", "timeoutMs", -1))
                .post("/tasks").then().statusCode(400).body("errors[0].field", equalTo("timeoutMs"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "payments", "subtype", "run"))
                .post("/tasks?wait=20").then().statusCode(200).body("state", equalTo("REJECTED"))
                .body("reason", startsWith("UNKNOWN_TOPIC"));
    }

    /**
     * ADR 0012: a retry policy in the body. A handler that throws (a retryable failure) is tried as often as asked,
     * each attempt undone before the next; a policy out of bounds is a 400 naming the field.
     */
    @Test
    void shouldTryATaskAsOftenAsItsRetryPolicySaysAndRefuseAPolicyOutOfBounds() {
        String taskId = given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "throw",
                        "retryPolicy", Map.of("maxAttempts", 3, "initialBackoffMs", 100, "jitter", 0)))
                .post("/tasks?wait=30").then().statusCode(200).body("state", equalTo("ROLLED_BACK"))
                .extract().path("taskId");
        given().get("/tasks/" + taskId).then().statusCode(200).body("attempt", equalTo(3));

        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "retryPolicy", Map.of("maxAttempts", 21)))
                .post("/tasks").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("retryPolicy.maxAttempts"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "retryPolicy", Map.of("initialBackoffMs", 5_000, "maxBackoffMs", 1_000)))
                .post("/tasks").then().statusCode(400).body("field", equalTo("retryPolicy.maxBackoffMs"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "retryPolicy", Map.of("jitter", 1.5)))
                .post("/tasks").then().statusCode(400).body("errors[0].field", equalTo("retryPolicy.jitter"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "retryPolicy", Map.of("retryWithinMs", -1)))
                .post("/tasks").then().statusCode(400).body("errors[0].field", equalTo("retryPolicy.retryWithinMs"));
        // The task's own list of attempts: three, each thrown, each undone before the next (as soon as the history
        // service has read the events, which it does after the waiting answer may have gone out).
        Awaitility.await().atMost(WAIT).untilAsserted(() ->
                given().get("/tasks/" + taskId).then().statusCode(200).body("attempts.outcome",
                        equalTo(java.util.List.of("FAILED", "FAILED", "FAILED"))));
    }

    /** Issue 19: what PostgreSQL cannot store is refused at the door, naming the field and the key. */
    @Test
    void shouldRefuseWhatCannotBeStoredAsProblemJsonNamingTheKey() {
        given().contentType(ContentType.JSON).body("{\"topic\":\"document\",\"subtype\":\"put\","
                + "\"arguments\":{\"key\":\"a\",\"value\":1},\"changedDocumentKeys\":[\"ok\",\"a\\u0000b\"]}")
                .post("/tasks?wait=5").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("/problems/invalid-task"))
                .body("field", equalTo("changedDocumentKeys[1]")).body("key", equalTo("a\u0000b"))
                .body("detail", startsWith("document key \"a\\u0000b\" contains the character U+0000"));
        given().contentType(ContentType.JSON).body("{\"topic\":\"noop\",\"subtype\":\"run\","
                + "\"arguments\":{\"v\":\"\\u0000\"}}")
                .post("/tasks").then().statusCode(400).body("field", equalTo("arguments"))
                .body("detail", containsString("U+0000"));
        given().contentType(ContentType.JSON).body("{\"topic\":\"noop\",\"subtype\":\"run\","
                + "\"arguments\":{\"v\":1e99999}}")
                .post("/tasks").then().statusCode(400).body("detail", containsString("exponent"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run",
                        "changedDocumentKeys", List.of("x".repeat(513))))
                .post("/tasks").then().statusCode(400).body("detail", containsString("513 bytes"));
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run\u0007"))
                .post("/tasks").then().statusCode(400).body("field", equalTo("subtype"));
        // And a normal task right after.
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run"))
                .post("/tasks?wait=20").then().statusCode(200).body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void shouldListTasksByTopicNewestFirst() {
        String taskId = given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "listed"))
                .post("/tasks?wait=20").then().statusCode(200).extract().path("taskId");

        Awaitility.await().atMost(WAIT).until(() -> given().get("/tasks?topic=noop&limit=50").then().extract()
                .jsonPath().getList("taskId").contains(taskId));
        given().get("/tasks?state=SUCCEEDED&topic=noop&limit=5").then().statusCode(200)
                .body("size()", org.hamcrest.Matchers.lessThanOrEqualTo(5))
                .body("state", org.hamcrest.Matchers.everyItem(equalTo("SUCCEEDED")));
        given().get("/tasks?from=yesterday").then().statusCode(400).contentType("application/problem+json");
        given().get("/tasks?limit=100000000").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("limit"));
        // A misspelt state is refused with the states there are, not answered with an empty page.
        given().get("/tasks?state=SUCCEDED").then().statusCode(400).contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.containsString("ROLLED_BACK"));
    }

    /**
     * The OpenAPI document describes the bodies of the answers and the errors with their problem types, so that a
     * client generated from it gets types rather than {@code application/json: {}}.
     */
    @Test
    void shouldDescribeEveryAnswerAndErrorInTheOpenApiDocument() {
        io.restassured.path.json.JsonPath api = given().get("/q/openapi?format=json").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Object> submit = api.getMap("paths.'/tasks'.post.responses");
        assertThat(submit).containsKeys("200", "202", "303", "400", "401", "403", "413", "503");
        assertThat(api.getString("paths.'/tasks'.post.responses.'200'.content.'application/json'.schema.'$ref'"))
                .isEqualTo("#/components/schemas/TaskOutcome");
        assertThat(api.getString(
                "paths.'/tasks'.post.responses.'400'.content.'application/problem+json'.schema.'$ref'"))
                .isEqualTo("#/components/schemas/Problem");
        assertThat(api.getMap("paths.'/tasks'.post.responses.'400'.content.'application/problem+json'.examples"))
                .isNotEmpty();
        assertThat(api.getString("paths.'/tasks/{taskId}'.get.responses.'200'.content.'application/json'.schema.'$ref'"))
                .isEqualTo("#/components/schemas/Task");
        assertThat(api.getMap("paths.'/tasks/{taskId}/result'.get.responses")).containsKeys("200", "404", "409");
        assertThat(api.getString("paths.'/tasks'.get.responses.'200'.content.'application/json'.schema.items.'$ref'"))
                .isEqualTo("#/components/schemas/TaskSummary");
        assertThat(api.getList("paths.'/tasks'.get.parameters.name")).contains("state", "topic", "before", "limit");
        assertThat(api.getMap("components.schemas.Document.properties")).containsKeys("key", "value", "version");
        assertThat(api.getMap("components.schemas.Problem.properties")).containsKeys("type", "title", "status",
                "detail", "errors");
        assertThat(api.getMap("paths.'/events'.get.responses.'200'.content")).containsKey("text/event-stream");
    }

    /** {@code ?wait=} that is not a number of seconds is a 400 naming it, not a 404 as if /tasks did not exist. */
    @Test
    void shouldRefuseAWaitThatIsNotANumberOfSecondsNamingIt() {
        for (String wait : List.of("abc", "-1", "3601", "NaN")) {
            given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run"))
                    .post("/tasks?wait=" + wait).then().statusCode(400).contentType("application/problem+json")
                    .body("field", equalTo("wait")).body("errors[0].field", equalTo("wait"));
        }
        given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run"))
                .post("/tasks?wait=1.5").then().statusCode(org.hamcrest.Matchers.oneOf(200, 202));
    }

    @Test
    void shouldAnswerProblemJson404ForAnUnknownTask() {
        given().get("/tasks/{id}", "no-such-task").then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("/problems/task-not-found"));
    }

    @Test
    void shouldCancelARunningTaskWhichIsThenRolledBack() {
        String location = given().contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "sleep", "arguments", Map.of("ms", 10000)))
                .post("/tasks?wait=0.5").then().statusCode(202).extract().header("Location");

        given().delete(location).then().statusCode(202);

        Awaitility.await().atMost(WAIT).until(() -> given().get(location + "/result").statusCode() == 200);
        given().get(location + "/result").then().body("state", equalTo("ROLLED_BACK"))
                .body("reason", startsWith("cancelled"));
    }

    @Test
    void shouldStreamTheLifecycleAsServerSentEventsUntilTheEnd() throws Exception {
        String location = given().contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "sleep", "arguments", Map.of("ms", 1500)))
                .post("/tasks?wait=0").then().statusCode(202).extract().header("Location");

        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base.toString().replaceAll("/$", "") + location + "/events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        List<String> data = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    data.add(line.substring(5));
                }
            }
        }

        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(data).isNotEmpty();
        assertThat(data.get(data.size() - 1)).contains("\"state\":\"SUCCEEDED\"");
    }
}

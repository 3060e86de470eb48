package io.stackl.tasks.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Kafka cannot take tasks (the real broker process is frozen with SIGSTOP): 503 with Retry-After, nothing lost. */
@QuarkusTest
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class GatewayBackpressureTest {

    @Test
    void shouldAnswer503WithRetryAfterWhileKafkaCannotTakeTheTask() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=5").statusCode() == 200);
        long kafka = kafkaPid();
        signal("STOP", kafka);
        try {
            given().contentType(ContentType.JSON).body(Map.of("topic", "noop", "subtype", "run")).post("/tasks")
                    .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "1")
                    .body("type", equalTo("/problems/temporarily-unavailable"));
        } finally {
            signal("CONT", kafka);
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> given().contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=5").statusCode() == 200);
    }

    /** The Kafka process of this module's test infrastructure, from its pid file under target/infra-*. */
    private static long kafkaPid() throws IOException {
        try (Stream<Path> homes = Files.list(Path.of("target"))) {
            Path home = homes.filter(p -> p.getFileName().toString().startsWith("infra-"))
                    .filter(p -> Files.exists(p.resolve("kafka/kafka.pid")))
                    .max(Comparator.comparingLong(p -> p.toFile().lastModified())).orElseThrow();
            return Long.parseLong(Files.readString(home.resolve("kafka/kafka.pid")).trim());
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
        }
    }
}

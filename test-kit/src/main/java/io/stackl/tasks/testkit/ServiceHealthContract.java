package io.stackl.tasks.testkit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What every service answers on its management endpoints, which Kubernetes probes and Prometheus scrape. A
 * service's {@code HealthTest} extends this with its {@code @QuarkusTest} and the test resource it needs.
 */
public abstract class ServiceHealthContract {

    @Test
    void shouldBecomeReadyAndAnswerHealthUp() {
        // Readiness waits for what the service needs (Kafka Streams running in the broker); liveness does not.
        awaitReady();

        given().when().get("/q/health")
                .then().statusCode(200)
                .body("status", equalTo("UP"));
    }

    /** Until {@code /q/health/ready} answers 200, for at most a minute. */
    public static void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void shouldExposePrometheusMetrics() {
        given().when().get("/q/metrics")
                .then().statusCode(200);
    }
}

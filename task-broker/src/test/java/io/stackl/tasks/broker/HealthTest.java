package io.stackl.tasks.broker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.testkit.ServiceHealthContract;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {

    /**
     * The liveness check that catches a stuck stream thread reads the real Kafka Streams metrics: once the broker
     * runs, it lists every stream thread's consumer, each having polled moments ago.
     */
    @Test
    void shouldReportHowLongAgoEachStreamThreadPolled() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> check = given().get("/q/health/live").then().statusCode(200).extract().jsonPath()
                    .getMap("checks.find { it.name == 'task-broker stream threads polling' }");
            assertThat(check).containsEntry("status", "UP");
            @SuppressWarnings("unchecked")
            Map<String, String> threads = (Map<String, String>) check.get("data");
            assertThat(threads).isNotEmpty().allSatisfy((client, since) -> {
                assertThat(client).contains("-StreamThread-").endsWith("-consumer");
                assertThat(since).endsWith(" s since its last poll");
            });
        });
    }
}

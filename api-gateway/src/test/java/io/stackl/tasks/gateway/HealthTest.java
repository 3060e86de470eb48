package io.stackl.tasks.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.testkit.ServiceHealthContract;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {

    /**
     * A gateway is ready only once its event hub reads task-events: a wait submitted to it before then could miss its
     * task's end and answer 202 although the task had ended (TaskEventHubCheck).
     */
    @Test
    void shouldBeReadyOnlyWithItsEventHubReading() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);

        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("api-gateway task events"))
                .body("checks.find { it.name == 'api-gateway task events' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'api-gateway task events' }.data.partitions", equalTo("assigned"));
    }
}

package io.stackl.tasks.history;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.testkit.ServiceHealthContract;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {

    @Test
    void readinessIncludesBothConsumerGroups() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'history-service consumers' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'history-service consumers' }.data.groups", equalTo("joined"));
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'history-service consumers' }.data.loops", equalTo("running"));
    }
}

package io.stackl.tasks.history;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.testkit.ServiceHealthContract;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {

    @Test
    void readinessIncludesBothConsumerGroups() {
        awaitReady();
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'history-service consumers' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'history-service consumers' }.data.groups", equalTo("joined"));
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'history-service consumers' }.data.loops", equalTo("running"));
    }
}

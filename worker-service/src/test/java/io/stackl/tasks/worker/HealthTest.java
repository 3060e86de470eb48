package io.stackl.tasks.worker;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.testkit.ServiceHealthContract;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = HistoryAndEndpointResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {

    @Test
    void readinessIncludesTheWorkConsumersGroup() {
        awaitReady();
        given().get("/q/health/ready").then()
                .body("checks.find { it.name == 'worker-service work consumer' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'worker-service work consumer' }.data.group", equalTo("joined"));
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'worker-service work consumer' }.data.loop", equalTo("running"));
    }
}

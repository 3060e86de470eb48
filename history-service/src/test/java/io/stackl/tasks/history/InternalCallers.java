package io.stackl.tasks.history;

import static io.restassured.RestAssured.given;

import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/** Requests to the internal API as its callers make them: with the caller's service token. */
final class InternalCallers {

    private InternalCallers() {}

    /** As the gateway: reads of tasks, listings and documents. */
    static RequestSpecification asGateway() {
        return as("gateway");
    }

    /** As a worker: fenced document writes, undo records, single document reads. */
    static RequestSpecification asWorker() {
        return as("worker");
    }

    /** As {@code caller}: gateway, worker, or broker (the broker's token for the gateway, valid elsewhere only). */
    static RequestSpecification as(String caller) {
        String key = caller.equals("broker") ? "TASKS_BROKER_TOKEN_GATEWAY" : "tasks.internal-api.tokens." + caller;
        return given().header("Authorization", "Bearer " + ConfigProvider.getConfig().getValue(key, String.class));
    }
}

package io.stackl.tasks.worker.consumer;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the work consumer has joined its group. A worker takes no HTTP traffic, but its readiness is what a
 * rolling update waits for before it stops the next old replica, and what the local suite waits for before it says
 * it runs: either way the work items of that moment are then taken at once, not after the group has formed. A worker
 * that joined once stays ready through later rebalances, which its group goes through without it leaving.
 */
@Readiness
@ApplicationScoped
public class WorkConsumerCheck implements HealthCheck {

    private final WorkConsumer consumer;

    WorkConsumerCheck(WorkConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        boolean joined = consumer.joinedGroup() || consumer.workTopics().isEmpty(); // read once: status and data agree
        return HealthCheckResponse.named("worker-service work consumer").status(joined)
                .withData("group", joined ? "joined" : "joining").build();
    }
}

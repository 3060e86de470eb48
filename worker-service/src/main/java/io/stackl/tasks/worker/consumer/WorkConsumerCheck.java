package io.stackl.tasks.worker.consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * The work consumer's health. Ready once it has joined its group: a worker takes no HTTP traffic, but its readiness is
 * what a rolling update waits for before it stops the next old replica, and what the local suite waits for before it
 * says it runs; either way the work items of that moment are taken without waiting for the group to form. A worker
 * that joined once stays ready through later rebalances, which its group goes through without it leaving. Live while
 * its loop runs: a loop that ended on an error it could not get past takes no more work, and a restart is the cure.
 */
@ApplicationScoped
public class WorkConsumerCheck {

    private static final String NAME = "worker-service work consumer";

    private final WorkConsumer consumer;

    WorkConsumerCheck(WorkConsumer consumer) {
        this.consumer = consumer;
    }

    @Produces
    @Readiness
    HealthCheck joined() {
        return () -> {
            // Read once: status and data agree.
            boolean died = consumer.loopDied();
            boolean joined = consumer.joinedGroup() || consumer.workTopics().isEmpty();
            return HealthCheckResponse.named(NAME).status(joined && !died)
                    .withData("group", died ? "left (the loop stopped)" : joined ? "joined" : "joining").build();
        };
    }

    @Produces
    @Liveness
    HealthCheck running() {
        return () -> {
            boolean died = consumer.loopDied();
            return HealthCheckResponse.named(NAME).status(!died).withData("loop", died ? "stopped" : "running")
                    .build();
        };
    }
}

package io.stackl.tasks.gateway.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the event hub reads task-events. Its consumer starts at the end of each partition as it stands when the
 * partitions are assigned, so a task submitted with {@code ?wait=} before that could end unseen, and the wait would
 * answer 202 at its timeout although the task was long done. A gateway that was ready once stays ready: the hub keeps
 * its partitions (its group has one member), so only a starting gateway is held out of the load balancer.
 */
@Readiness
@ApplicationScoped
public class TaskEventHubCheck implements HealthCheck {

    private final TaskEventHub hub;

    TaskEventHubCheck(TaskEventHub hub) {
        this.hub = hub;
    }

    @Override
    public HealthCheckResponse call() {
        boolean reading = hub.ready(); // read once: status and data must agree
        return HealthCheckResponse.named("api-gateway task events").status(reading)
                .withData("partitions", reading ? "assigned" : "not assigned yet").build();
    }
}

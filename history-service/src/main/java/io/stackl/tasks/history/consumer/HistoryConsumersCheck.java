package io.stackl.tasks.history.consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.Set;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * The consumer loops' health. Ready once both have joined their groups: only then does the service learn of a
 * dispatch soon after it happens, which every worker's write waits for. A service whose loops joined once stays ready
 * through later rebalances; the database has a readiness check of its own. Live while both loops run: a loop that
 * ended on an error it could not get past records nothing more, and a restart is the cure.
 */
@ApplicationScoped
public class HistoryConsumersCheck {

    private static final String NAME = "history-service consumers";

    private final HistoryConsumers consumers;

    HistoryConsumersCheck(HistoryConsumers consumers) {
        this.consumers = consumers;
    }

    @Produces
    @Readiness
    HealthCheck joined() {
        return () -> {
            // Read once each: status and data agree.
            Set<String> joining = consumers.consumersJoining();
            Set<String> stopped = consumers.consumersStopped();
            String groups = !stopped.isEmpty() ? "stopped: " + String.join(", ", stopped)
                    : joining.isEmpty() ? "joined" : "joining: " + String.join(", ", joining);
            return HealthCheckResponse.named(NAME).status(joining.isEmpty() && stopped.isEmpty())
                    .withData("groups", groups).build();
        };
    }

    @Produces
    @Liveness
    HealthCheck running() {
        return () -> {
            Set<String> stopped = consumers.consumersStopped();
            return HealthCheckResponse.named(NAME).status(stopped.isEmpty())
                    .withData("loops", stopped.isEmpty() ? "running" : "stopped: " + String.join(", ", stopped))
                    .build();
        };
    }
}

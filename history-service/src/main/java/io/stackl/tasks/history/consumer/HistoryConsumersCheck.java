package io.stackl.tasks.history.consumer;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once both consumer loops have joined their groups: only then does the service learn of a dispatch soon after
 * it happens, which every worker's write waits for. A service whose loops joined once stays ready through later
 * rebalances; the database has a readiness check of its own.
 */
@Readiness
@ApplicationScoped
public class HistoryConsumersCheck implements HealthCheck {

    private final HistoryConsumers consumers;

    HistoryConsumersCheck(HistoryConsumers consumers) {
        this.consumers = consumers;
    }

    @Override
    public HealthCheckResponse call() {
        Set<String> joining = consumers.consumersJoining(); // read once: status and data agree
        return HealthCheckResponse.named("history-service consumers").status(joining.isEmpty())
                .withData("groups", joining.isEmpty() ? "joined" : "joining: " + String.join(", ", joining)).build();
    }
}

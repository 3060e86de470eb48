package io.stackl.tasks.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Until its hub has its partitions, a gateway is not ready (the running case: HealthTest on the real suite). */
class TaskEventHubCheckTest {

    @Test
    void shouldNotBeReadyBeforeTheHubReads() {
        TaskEventHub notStarted = new TaskEventHub("127.0.0.1:1", "http://127.0.0.1:1", new SimpleMeterRegistry());

        HealthCheckResponse response = new TaskEventHubCheck(notStarted).call();

        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(response.getData()).hasValueSatisfying(data -> assertThat(data).containsEntry("partitions",
                "not assigned yet"));
    }
}

package io.stackl.tasks.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void shouldRecogniseAPortTakenBetweenChoosingAndBindingIt() throws Exception {
        int port = FreePorts.any();
        try (ServerSocket taker = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            Throwable bind = catchThrowable(() -> new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close());

            assertThat(FreePorts.isPortTaken(new InfrastructureException("history-service exited", bind))).isTrue();
        }
    }

    @Test
    void shouldRecogniseAServiceThatExitedBecauseItsPortWasTaken() {
        // What ChildProcess reports: the service's log tail, with Quarkus' wording for a taken port.
        InfrastructureException exited = new InfrastructureException("history-service on http://127.0.0.1:40123 exited"
                + " during start-up; its log ends with:\nio.quarkus.runtime.QuarkusBindException: Port(s) already bound:"
                + " 40123: Address already in use");

        assertThat(FreePorts.isPortTaken(exited)).isTrue();
    }

    @Test
    void shouldNotRetryOtherStartUpFailures() {
        InfrastructureException exited = new InfrastructureException("history-service exited during start-up; its log"
                + " ends with:\nFlyway: Validate failed: Migrations have failed validation");

        assertThat(FreePorts.isPortTaken(exited)).isFalse();
        assertThat(FreePorts.isPortTaken(new InfrastructureException("not ready within 90 s"))).isFalse();
    }
}

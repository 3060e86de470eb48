package io.stackl.tasks.broker.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Store, node and topic names are state: a rename loses changelogs and in-flight records. This test fails on any
 * change of the topology's shape; update {@code topology.txt} only together with an ADR (see docs/adr/0003).
 */
class TopologyDescriptionTest {

    /** With local locks (ADR 0017), the default: the lock processor feeds the task processor, both own the locks. */
    @Test
    void shouldKeepTheTopologyItsStoresAndTopicsAsRecorded() throws IOException {
        assertRecorded(BrokerSettings.defaults(Set.of("noop")), "topology.txt");
    }

    /** Without them ({@code tasks.broker.local-locks=false}): only the lock processor owns the locks. */
    @Test
    void shouldKeepTheTopologyWithoutLocalLocksAsRecorded() throws IOException {
        assertRecorded(BrokerSettings.defaults(Set.of("noop")).withLocalLocks(false, 6),
                "topology-without-local-locks.txt");
    }

    private void assertRecorded(BrokerSettings settings, String file) throws IOException {
        String described = TaskTopology.build(settings, new PlainAvroSerdes(), TaskObserver.NONE, BrokerClock.SYSTEM)
                .describe().toString();

        if (Boolean.getBoolean("stackl.topology.record")) {
            // After an ADR that changes the topology: -Dstackl.topology.record=true rewrites the recorded shape.
            java.nio.file.Files.writeString(java.nio.file.Path.of("src/test/resources", file), described);
        }
        String recorded;
        try (InputStream in = getClass().getResourceAsStream("/" + file)) {
            assertThat(in).as("src/test/resources/" + file).isNotNull();
            recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(normalise(described)).isEqualTo(normalise(recorded));
    }

    /** The description names the work-topic extractor by its lambda class, which changes from build to build. */
    private static String normalise(String description) {
        return description.replaceAll("extractor class: [^)\\n]*", "extractor class: <work topic>").strip();
    }
}

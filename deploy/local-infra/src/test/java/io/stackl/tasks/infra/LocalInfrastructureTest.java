package io.stackl.tasks.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the local run and every test module rely on: it starts, it stops without leftovers, and it restarts on its data. */
class LocalInfrastructureTest {

    @TempDir
    Path home;

    @Test
    void shouldStopEveryProcessItStartedAndRestartOnTheSameDataAndPorts() throws Exception {
        Set<Long> childrenWhileRunning;
        int kafkaPort;
        try (LocalInfrastructure infra = LocalInfrastructure.start(home)) {
            kafkaPort = infra.kafka().port();
            createTopic(infra, "kept-across-restarts");
            childrenWhileRunning = descendantPids();
            assertThat(childrenWhileRunning).as("kafka and registry child processes").hasSizeGreaterThanOrEqualTo(2);
        }
        assertThat(childrenWhileRunning).allSatisfy(pid ->
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid %d alive", pid).isFalse());
        assertThat(postmasterRunning()).isFalse();

        try (LocalInfrastructure again = LocalInfrastructure.start(home)) {
            assertThat(again.kafka().port()).isEqualTo(kafkaPort);
            assertThat(topics(again)).contains("kept-across-restarts");
        }
    }

    @Test
    void shouldEndAProcessThatAKilledEarlierRunLeftBehindButNoOtherProcess() throws Exception {
        // A launcher killed with SIGKILL leaves its children running; the next start in the folder ends them,
        // recognising them by the folder in their command line (a recycled pid of another program is left alone).
        String marker = home.resolve("kafka").toString();
        Process orphan = new ProcessBuilder("bash", "-c", "sleep 300; : " + marker).start();
        Process stranger = new ProcessBuilder("sleep", "300").start();
        Path orphanPid = Files.writeString(home.resolve("orphan.pid"), Long.toString(orphan.pid()));
        Path strangerPid = Files.writeString(home.resolve("stranger.pid"), Long.toString(stranger.pid()));
        try {
            ChildProcess.killStale(orphanPid, marker);
            ChildProcess.killStale(strangerPid, marker);

            assertThat(orphan.isAlive()).isFalse();
            assertThat(stranger.isAlive()).isTrue();
            assertThat(orphanPid).doesNotExist();
        } finally {
            orphan.destroyForcibly();
            stranger.destroyForcibly();
        }
    }

    @Test
    void shouldFindAJava21RuntimeForTheRegistryOrSayWhatIsMissing() {
        assertThat(JavaRuntimes.find(21)).isPresent();
        assertThat(JavaRuntimes.find(10_000)).isEmpty();
        assertThatThrownBy(() -> JavaRuntimes.javaExecutable(10_000))
                .isInstanceOf(InfrastructureException.class)
                .hasMessageContaining("needs Java 10000 or newer")
                .hasMessageContaining("STACKL_JAVA21_HOME");
    }

    private boolean postmasterRunning() {
        return Files.exists(home.resolve("postgres/postmaster.pid"));
    }

    private static Set<Long> descendantPids() {
        return Set.copyOf(ProcessHandle.current().descendants().map(ProcessHandle::pid).toList());
    }

    private static void createTopic(LocalInfrastructure infra, String name) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
    }

    private static Set<String> topics(LocalInfrastructure infra) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafka().bootstrapServers()))) {
            return admin.listTopics().names().get();
        }
    }
}

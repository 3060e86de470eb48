package io.stackl.tasks.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped scrape configuration, moved to where a run's services listen, and nothing else changed. */
class PrometheusConfigTest {

    private static final Path PROMETHEUS = Path.of("..", "prometheus").toAbsolutePath().normalize();

    @Test
    void shouldPointEveryShippedTargetAtTheRunsServicesAndKeepTheRest() throws IOException {
        String shipped = Files.readString(PROMETHEUS.resolve("prometheus.yml"));
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("api-gateway", "127.0.0.1:41000");
        targets.put("task-broker", "127.0.0.1:41001");
        targets.put("history-service", "127.0.0.1:41002");
        targets.put("worker-service", "127.0.0.1:41003");

        String config = Prometheus.configFor(shipped, targets, PROMETHEUS, Duration.ofSeconds(1));

        targets.forEach((service, address) -> assertThat(config)
                .containsPattern("- targets: \\[\"" + address + "\"\\]\\s*\\n\\s*labels: \\{service: " + service + "\\}"));
        assertThat(config).doesNotContain("127.0.0.1:808");
        assertThat(config).contains("  scrape_interval: 1s\n  evaluation_interval: 1s");
        assertThat(config).contains("  - " + PROMETHEUS.resolve("stackl-tasks-rules.yaml"));
        assertThat(config).contains("metrics_path: /q/metrics", "job_name: stackl-tasks");
    }

    @Test
    void shouldRefuseWhenTheShippedTargetsAndTheServicesDiffer() throws IOException {
        String shipped = Files.readString(PROMETHEUS.resolve("prometheus.yml"));
        assertThatThrownBy(() -> Prometheus.configFor(shipped, Map.of("api-gateway", "127.0.0.1:1"), PROMETHEUS,
                Duration.ofSeconds(1))).hasMessageContaining("no address given for");
        Map<String, String> extra = new LinkedHashMap<>(Map.of("api-gateway", "a:1", "task-broker", "b:1",
                "history-service", "c:1", "worker-service", "d:1", "console", "e:1"));
        assertThatThrownBy(() -> Prometheus.configFor(shipped, extra, PROMETHEUS, Duration.ofSeconds(1)))
                .hasMessageContaining("prometheus.yml scrapes");
    }
}

package io.stackl.tasks.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.SharedInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the harness from rotting: one raw cell for a few seconds on the real Kafka broker, and its report. Nothing is
 * asserted about speed (that is what {@code benchmarks/run.sh} prints, never what a test decides).
 */
class HarnessSmokeTest {

    @Test
    void shouldMeasureARawRequestReplyCellAndReportIt() throws Exception {
        LocalInfrastructure infra = SharedInfrastructure.get();
        KafkaClients kafka = new KafkaClients(infra.kafka().bootstrapServers());
        ProcessMeter meter = new ProcessMeter("postgres");
        meter.process("kafka", () -> infra.kafka().pid(), true);
        meter.process("postgres", () -> infra.postgres().pid(), false);

        CellResult cell;
        try (Bench bench = new Bench(kafka, null, null, new Bench.Timing(Duration.ofMillis(500), Duration.ofSeconds(2)),
                meter); RawShapes.Shape shape = RawShapes.plain(kafka)) {
            cell = bench.raw(shape, 50);
        }
        String report = Report.markdown(List.of(cell), meter.gcSeconds(), Benchmarks.machine(), Map.of("profile", "smoke"),
                "smoke");

        assertThat(cell.n()).as("every measured request answered").isEqualTo(100);
        assertThat(cell.errors()).isZero();
        assertThat(cell.p50()).isPositive().isLessThanOrEqualTo(cell.p99());
        assertThat(meter.cpuSeconds()).allSatisfy((process, seconds) -> assertThat(seconds).as(process).isPositive());
        assertThat(report).contains("| raw plain request/reply @50/s | send → reply seen | 100 |");
    }

    @Test
    void shouldKeepEachRequestsIntendedInstantWhenTheSenderFallsBehind() throws Exception {
        List<Long> intended = new ArrayList<>();
        OpenLoop.run(100, Duration.ZERO, Duration.ofMillis(200), (i, due) -> {
            intended.add(due);
            if (i == 3) {
                Thread.sleep(80);
            }
        });

        // The requests after the stall are due when the schedule said, not 80 ms later: the stall counts as latency.
        assertThat(intended).hasSize(20);
        for (int i = 1; i < intended.size(); i++) {
            assertThat(intended.get(i) - intended.get(i - 1)).as("gap before #" + i)
                    .isBetween(9_000_000L, 11_000_000L);
        }
    }
}

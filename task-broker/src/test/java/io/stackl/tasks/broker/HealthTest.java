package io.stackl.tasks.broker;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.testkit.ServiceHealthContract;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HealthTest extends ServiceHealthContract {

    /**
     * The liveness check that catches a stuck stream thread reads the real Kafka Streams metrics: once the broker
     * runs, it lists every stream thread's consumer, each having polled moments ago.
     */
    @Test
    void shouldReportHowLongAgoEachStreamThreadPolled() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Object> check = given().get("/q/health/live").then().statusCode(200).extract().jsonPath()
                    .getMap("checks.find { it.name == 'task-broker stream threads polling' }");
            assertThat(check).containsEntry("status", "UP");
            @SuppressWarnings("unchecked")
            Map<String, String> threads = (Map<String, String>) check.get("data");
            assertThat(threads).isNotEmpty().allSatisfy((client, since) -> {
                assertThat(client).contains("-StreamThread-").endsWith("-consumer");
                assertThat(since).endsWith(" s since its last poll");
            });
        });
    }

    @Inject
    MeterRegistry registry;

    /**
     * The scrape keeps what the dashboard and an operator read (stream threads' commit latency, each store's size) and
     * leaves out Kafka Streams' per-store and per-node meters, which were over half of every scrape and never recorded
     * at the INFO level (StreamsMeterFilter). Kafka Streams' store meters reach the registry only at Micrometer's next
     * refresh of the Kafka meters (every minute), so the filter is asked with meters of the same names.
     */
    @Test
    void shouldScrapeTheStreamsMetersThatSaySomethingAndNotThePerStoreDetail() {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                given().get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("kafka_stream_thread_commit_latency_avg{").contains("kafka_stream_alive_stream_threads"));

        Map<String, Boolean> kept = new java.util.LinkedHashMap<>();
        for (String name : List.of("kafka.stream.state.estimate.num.keys", "kafka.stream.state.size.all.mem.tables",
                "kafka.stream.state.put.rate", "kafka.stream.state.block.cache.usage",
                "kafka.stream.processor.node.process.rate", "kafka.stream.task.dropped.records.total")) {
            Gauge.builder(name, () -> 1.0).tag("test", "meter-filter").register(registry);
            kept.put(name, registry.find(name).tag("test", "meter-filter").gauge() != null);
        }
        assertThat(kept).containsExactlyInAnyOrderEntriesOf(Map.of(
                "kafka.stream.state.estimate.num.keys", true, "kafka.stream.state.size.all.mem.tables", true,
                "kafka.stream.state.put.rate", false, "kafka.stream.state.block.cache.usage", false,
                "kafka.stream.processor.node.process.rate", false, "kafka.stream.task.dropped.records.total", true));
        assertThat(given().get("/q/metrics").then().extract().asString())
                .contains("kafka_stream_state_estimate_num_keys{test=\"meter-filter\"}")
                .doesNotContain("kafka_stream_state_put_rate{test=\"meter-filter\"}");
    }
}

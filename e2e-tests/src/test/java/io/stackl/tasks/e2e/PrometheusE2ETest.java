package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.infra.FreePorts;
import io.stackl.tasks.infra.Prometheus;
import io.stackl.tasks.infra.ServiceProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus scraping the running suite with the shipped configuration and rules while tasks flow: every
 * recording rule and every dashboard query must parse, evaluate without error and return data (a number, not just an
 * empty or NaN series), and no alert may be pending or firing under this normal load. The output lists each rule and
 * query with the number of series it returned.
 */
@Tag("e2e")
class PrometheusE2ETest {

    /** Scrapes and rule evaluations this often, so that a minute of traffic gives every window enough samples. */
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    /** What Grafana puts for the dashboards' variables; each dashboard's own topic where it shows one topic. */
    private static final String RATE_INTERVAL = "1m";
    private static final String RANGE = "10m";
    private static final Duration TRAFFIC = Duration.ofSeconds(40);

    private static Suite suite;
    private static Prometheus prometheus;
    /** The end of the traffic: every query is evaluated at this instant. */
    private static Instant evaluatedAt;

    @BeforeAll
    static void scrapeTheSuiteWhileTasksFlow() throws Exception {
        suite = Suite.get();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> suite.post("/tasks?wait=10", Map.of("topic", "noop", "subtype", "run")).status() == 200);
        Map<String, String> targets = new LinkedHashMap<>();
        for (ServiceProcess service : List.of(suite.gateway, suite.broker, suite.worker, suite.history)) {
            targets.put(service.name(), "127.0.0.1:" + service.port());
        }
        prometheus = Prometheus.start(Path.of("..").toAbsolutePath().normalize(), targets,
                Path.of("target", "prometheus", UUID.randomUUID().toString()).toAbsolutePath(), FreePorts.any(),
                INTERVAL);
        // Leftovers of earlier tests (tasks still queued or rolling back) would be counted as this run's load.
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            JsonNode result = result(prometheus.query("sum(tasks_in_flight)", Instant.now()));
            return result.size() == 1 && result.at("/0/value/1").asDouble() == 0
                    && result(prometheus.query("up == 1", Instant.now())).size() == targets.size();
        });
        runTraffic();
        evaluatedAt = Instant.now();
        // Every target scraped once more after the traffic's end, so that no sample before it is still in flight.
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(INTERVAL).until(() -> {
            JsonNode oldest = result(prometheus.query("min(timestamp(up))", Instant.now()));
            return oldest.size() == 1 && oldest.at("/0/value/1").asDouble() * 1000 > evaluatedAt.toEpochMilli();
        });
    }

    @AfterAll
    static void stopPrometheus() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    void shouldLoadEveryRuleHealthyAndKeepTheAlertsSilentUnderNormalLoad() throws IOException {
        JsonNode groups = Suite.JSON.readTree(prometheus.get("/api/v1/rules")).at("/data/groups");
        List<String> loaded = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                loaded.add(rule.path("name").asText());
                if (!"ok".equals(rule.path("health").asText())) {
                    problems.add(rule.path("name").asText() + ": " + rule.path("health").asText() + " "
                            + rule.path("lastError").asText());
                }
                if ("alerting".equals(rule.path("type").asText())
                        && !"inactive".equals(rule.path("state").asText())) {
                    problems.add(rule.path("name").asText() + " is " + rule.path("state").asText() + ": "
                            + rule.path("alerts"));
                }
            }
        }
        System.out.println("Prometheus loaded " + loaded.size() + " rules; alerts inactive: "
                + (problems.isEmpty() ? "all" : problems));
        assertThat(loaded).containsExactlyInAnyOrderElementsOf(
                ShippedQueries.rules().stream().map(ShippedQueries.Rule::name).toList());
        assertThat(problems).isEmpty();
    }

    @Test
    void shouldReturnDataForEveryRecordingRule() {
        List<String> empty = new ArrayList<>();
        System.out.println("Recording rules, series returned at the end of the traffic:");
        for (ShippedQueries.Rule rule : ShippedQueries.rules()) {
            if (!"record".equals(rule.kind())) {
                continue;
            }
            int series = seriesWithNumbers(rule.name(), rule.name(), empty);
            System.out.printf("  %3d  %s%n", series, rule.name());
        }
        assertThat(empty).as("recording rules without data").isEmpty();
    }

    @Test
    void shouldReturnDataForEveryDashboardQuery() {
        List<String> empty = new ArrayList<>();
        List<ShippedQueries.PanelQuery> queries = ShippedQueries.panelQueries();
        assertThat(queries).hasSizeGreaterThan(30);
        System.out.println("Dashboard queries, series returned at the end of the traffic:");
        for (ShippedQueries.PanelQuery query : queries) {
            String topic = query.dashboard().contains("topic") ? "document" : ".*";
            String expr = query.expr().replace("$namespace", ".*").replace("$release", ".*")
                    .replace("$task_topic", topic).replace("$__rate_interval", RATE_INTERVAL)
                    .replace("$__range", RANGE);
            assertThat(expr).as("a variable this test does not fill: " + query).doesNotContain("$");
            int series = seriesWithNumbers(expr, query.dashboard() + " / " + query.panel(), empty);
            System.out.printf("  %3d  %s / %s: %s%n", series, query.dashboard(), query.panel(), query.expr());
        }
        assertThat(empty).as("dashboard queries without data").isEmpty();
    }

    /** Series of the answer that hold a number; an error, or nothing but NaN, is recorded in {@code empty}. */
    private static int seriesWithNumbers(String expr, String what, List<String> empty) {
        JsonNode answer;
        try {
            answer = Suite.JSON.readTree(prometheus.query(expr, evaluatedAt));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (!"success".equals(answer.path("status").asText())) {
            empty.add(what + ": " + answer.path("errorType").asText() + " " + answer.path("error").asText());
            return 0;
        }
        int numbers = 0;
        for (JsonNode series : answer.at("/data/result")) {
            String value = series.at("/value/1").asText();
            if (!value.equals("NaN") && !value.endsWith("Inf")) {
                numbers++;
            }
        }
        if (numbers == 0) {
            empty.add(what + ": " + expr + " returned " + answer.at("/data/result"));
        }
        return numbers;
    }

    private static JsonNode result(String answer) throws IOException {
        return Suite.JSON.readTree(answer).at("/data/result");
    }

    /**
     * Normal load, so that every panel has something to show: no-op tasks, document tasks that lock, write and
     * succeed, one that fails and is rolled back, one that passes its timeout, one retried.
     */
    private static void runTraffic() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Suite.Reply>> submitted = new ArrayList<>();
        try {
            Instant until = Instant.now().plus(TRAFFIC);
            int round = 0;
            while (Instant.now().isBefore(until)) {
                round++;
                String key = "prometheus/" + UUID.randomUUID();
                submitted.add(CompletableFuture.supplyAsync(() -> suite.post("/tasks?wait=30",
                        Map.of("topic", "noop", "subtype", "run")), clients));
                submitted.add(CompletableFuture.supplyAsync(() -> suite.post("/tasks?wait=30", Map.of(
                        "topic", "document", "subtype", "batch", "changedDocumentKeys", List.of(key),
                        "arguments", Map.of("operations", List.of(Map.of("op", "put", "key", key, "value", 1))))),
                        clients));
                if (round == 10) {
                    // Rolled back: the second operation patches a document that does not exist.
                    submitted.add(CompletableFuture.supplyAsync(() -> suite.post("/tasks?wait=30", Map.of(
                            "topic", "document", "subtype", "batch", "changedDocumentKeys", List.of(key + "-a", key + "-b"),
                            "arguments", Map.of("operations", List.of(Map.of("op", "put", "key", key + "-a", "value", 1),
                                    Map.of("op", "patch", "key", key + "-b", "value", Map.of("x", 1)))))), clients));
                }
                if (round == 20) {
                    // Passes its 2 s timeout, ~15 s before the traffic ends: timeout lateness is observed.
                    submitted.add(CompletableFuture.supplyAsync(() -> suite.post("/tasks?wait=30", Map.of(
                            "topic", "document", "subtype", "batch", "changedDocumentKeys", List.of(key + "-t"),
                            "timeoutMs", 2_000, "arguments", Map.of("operations", List.of(
                                    Map.of("op", "put", "key", key + "-t", "value", 1),
                                    Map.of("op", "wait", "ms", 10_000))))), clients));
                }
                if (round == 30) {
                    // Retried once (ADR 0012): each attempt writes, then passes its 1.5 s timeout and is undone.
                    Map<String, Object> retried = new java.util.HashMap<>(Map.of("topic", "document", "subtype", "batch",
                            "changedDocumentKeys", List.of(key + "-r"), "timeoutMs", 1_500,
                            "retryPolicy", Map.of("maxAttempts", 2, "initialBackoffMs", 200, "jitter", 0)));
                    retried.put("arguments", Map.of("operations", List.of(Map.of("op", "put", "key", key + "-r",
                            "value", 1), Map.of("op", "wait", "ms", 10_000))));
                    submitted.add(CompletableFuture.supplyAsync(() -> suite.post("/tasks?wait=30", retried), clients));
                }
                Thread.sleep(500);
            }
            Map<String, Integer> states = new java.util.TreeMap<>();
            for (CompletableFuture<Suite.Reply> reply : submitted) {
                states.merge(reply.get().body().path("state").asText("?"), 1, Integer::sum);
            }
            System.out.println("Traffic while Prometheus scraped: " + states);
            assertThat(states.get("ROLLED_BACK")).as("the failed, the timed-out and the retried task").isEqualTo(3);
            assertThat(states.get("SUCCEEDED")).isEqualTo(submitted.size() - 3);
        } finally {
            clients.shutdownNow();
        }
    }
}

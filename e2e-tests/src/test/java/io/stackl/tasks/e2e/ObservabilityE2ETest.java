package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stackl.tasks.infra.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus rules and Grafana dashboards in {@code deploy/} against what the running services expose: every
 * metric they query must exist (a renamed meter would otherwise leave a silent alert and an empty panel), and the
 * rules must be well-formed. The counters that alerts watch must exist before their first event, as Prometheus'
 * {@code increase()} cannot see the first increment of a series that appears with it.
 */
@Tag("e2e")
class ObservabilityE2ETest {

    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    /**
     * Names of metrics (not functions or labels): ours start with tasks_; Quarkus' with jvm_ or http_server_; the Kafka
     * clients' with kafka_; the PostgreSQL pool's with agroal_.
     */
    static final String METRIC_PREFIXES = "(?:tasks|jvm|http_server|kafka|agroal)_";
    private static final Pattern METRIC = Pattern.compile("\\b(" + METRIC_PREFIXES + "[a-z0-9_]+)\\b");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Suite suite;
    private static Map<String, Set<String>> exposedByService;

    @BeforeAll
    static void exerciseAndScrape() {
        suite = Suite.get();
        // Traffic that registers the meters tagged by what happened: a success, and a rollback.
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> suite.post("/tasks?wait=10", Map.of("topic", "noop", "subtype", "run")).status() == 200);
        String key = "observability/" + UUID.randomUUID();
        Suite.Reply failed = suite.post("/tasks?wait=30", Map.of("topic", "document", "subtype", "batch",
                "arguments", Map.of("operations", List.of(Map.of("op", "put", "key", key, "value", 1),
                        Map.of("op", "patch", "key", key + "-missing", "value", Map.of("x", 1)))),
                "changedDocumentKeys", List.of(key, key + "-missing")));
        assertThat(failed.body().path("state").asText()).isEqualTo("ROLLED_BACK");
        exposedByService = new TreeMap<>();
        for (ServiceProcess service : List.of(suite.gateway, suite.broker, suite.worker, suite.history)) {
            exposedByService.put(service.name(), metricNames(scrape(service)));
        }
    }

    @Test
    void shouldExposeEveryMetricTheRulesAndDashboardsQuery() throws IOException {
        Set<String> exposed = new TreeSet<>();
        exposedByService.values().forEach(exposed::addAll);
        Map<String, List<String>> queries = new TreeMap<>();
        queries.put("deploy/prometheus/stackl-tasks-rules.yaml", ruleExpressions());
        try (DirectoryStream<Path> dashboards = Files.newDirectoryStream(DEPLOY.resolve("grafana/dashboards"), "*.json")) {
            for (Path dashboard : dashboards) {
                queries.put("deploy/grafana/dashboards/" + dashboard.getFileName(), dashboardExpressions(dashboard));
            }
        }
        assertThat(queries).hasSizeGreaterThanOrEqualTo(2);

        List<String> missing = new ArrayList<>();
        queries.forEach((file, expressions) -> {
            assertThat(expressions).as(file + " has queries").isNotEmpty();
            for (String expression : expressions) {
                Matcher names = METRIC.matcher(expression);
                while (names.find()) {
                    if (!exposed.contains(names.group(1))) {
                        missing.add(file + ": " + names.group(1) + " in " + expression);
                    }
                }
            }
        });
        assertThat(missing).as("metrics queried but exposed by no service").isEmpty();
    }

    /**
     * Two releases (or namespaces) scraped by one Prometheus must not be summed together: every metric a panel reads is
     * filtered by the dashboard's namespace and release variables (the chart's ServiceMonitor sets {@code release}).
     */
    @Test
    void shouldFilterEveryDashboardQueryByNamespaceAndRelease() throws IOException {
        Pattern selector = Pattern.compile("\\b" + METRIC_PREFIXES + "[a-z0-9_]+(\\{[^}]*\\})?");
        List<String> unfiltered = new ArrayList<>();
        try (DirectoryStream<Path> dashboards = Files.newDirectoryStream(DEPLOY.resolve("grafana/dashboards"), "*.json")) {
            for (Path dashboard : dashboards) {
                for (String expression : dashboardExpressions(dashboard)) {
                    Matcher metric = selector.matcher(expression);
                    while (metric.find()) {
                        String labels = metric.group(1) == null ? "" : metric.group(1);
                        if (!labels.contains("namespace=~\"$namespace\"") || !labels.contains("release=~\"$release\"")) {
                            unfiltered.add(dashboard.getFileName() + ": " + metric.group() + " in " + expression);
                        }
                    }
                }
            }
        }
        assertThat(unfiltered).isEmpty();
    }

    @Test
    void shouldStartTheCountersThatAlertsWatchAtZero() {
        // Present although nothing was dead-lettered, rolled back for good, or timed out early in this test.
        assertThat(exposedByService.get("task-broker")).contains("tasks_timeouts_early_total",
                "tasks_dead_letters_total", "tasks_transitions_total", "tasks_inputs_ignored_total");
        assertThat(exposedByService.get("history-service")).contains("tasks_dead_letters_total",
                "tasks_history_document_refusals_total");
        assertThat(exposedByService.get("worker-service")).contains("tasks_worker_compensations_total",
                "tasks_worker_failures_total", "tasks_worker_deadline_exceeded_total");
        String broker = scrape(suite.broker);
        assertThat(broker).containsPattern("tasks_transitions_total\\{[^}]*state=\"ROLLBACK_FAILED\"[^}]*\\}");
    }

    @Test
    void shouldGiveEveryAlertASeverityASummaryAndAValidShape() throws IOException {
        JsonNode groups = YAML.readTree(DEPLOY.resolve("prometheus/stackl-tasks-rules.yaml").toFile()).path("groups");
        assertThat(groups.isArray() && groups.size() > 0).as("groups").isTrue();
        int alerts = 0;
        for (JsonNode group : groups) {
            assertThat(group.path("name").asText()).isNotBlank();
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.has("alert") ^ rule.has("record")).as("alert or record: " + rule).isTrue();
                assertThat(rule.path("expr").asText()).as("expr: " + rule).isNotBlank();
                if (rule.has("alert")) {
                    alerts++;
                    assertThat(rule.path("labels").path("severity").asText()).isIn("critical", "warning");
                    assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
                } else {
                    assertThat(rule.path("record").asText()).matches("[a-zA-Z_:][a-zA-Z0-9_:]*");
                }
            }
        }
        assertThat(alerts).isGreaterThanOrEqualTo(5);
    }

    private static List<String> ruleExpressions() {
        return ShippedQueries.rules().stream().map(ShippedQueries.Rule::expr).toList();
    }

    private static List<String> dashboardExpressions(Path dashboard) {
        return ShippedQueries.panelQueries(dashboard).stream().map(ShippedQueries.PanelQuery::expr).toList();
    }

    private static String scrape(ServiceProcess service) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(service.url() + "/q/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(service.name() + " /q/metrics").isEqualTo(200);
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sample names in the Prometheus text format: what precedes the labels or the value on each sample line. */
    private static Set<String> metricNames(String exposition) {
        Set<String> names = new TreeSet<>();
        exposition.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }
}

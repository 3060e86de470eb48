package io.stackl.tasks.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The PromQL that ships in {@code deploy/}: the rules file and every panel query of every Grafana dashboard. */
final class ShippedQueries {

    static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
    static final Path RULES = DEPLOY.resolve("prometheus/stackl-tasks-rules.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A rule of the rules file: {@code record} or {@code alert} is its name. */
    record Rule(String kind, String name, String expr) {}

    /** A query of a dashboard panel, as Grafana sends it before it fills in the variables. */
    record PanelQuery(String dashboard, String panel, String expr) {}

    private ShippedQueries() {}

    static List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        try {
            for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String kind = rule.has("record") ? "record" : "alert";
                    rules.add(new Rule(kind, rule.path(kind).asText(), rule.path("expr").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rules;
    }

    static List<Path> dashboards() {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dashboards = Files.newDirectoryStream(DEPLOY.resolve("grafana/dashboards"), "*.json")) {
            dashboards.forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(null);
        return files;
    }

    static List<PanelQuery> panelQueries(Path dashboard) {
        List<PanelQuery> queries = new ArrayList<>();
        try {
            for (JsonNode panel : Suite.JSON.readTree(dashboard.toFile()).path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.add(new PanelQuery(dashboard.getFileName().toString(), panel.path("title").asText(),
                            target.path("expr").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return queries;
    }

    static List<PanelQuery> panelQueries() {
        List<PanelQuery> all = new ArrayList<>();
        dashboards().forEach(dashboard -> all.addAll(panelQueries(dashboard)));
        return all;
    }
}

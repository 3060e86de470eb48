package io.stackl.tasks.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the chart renders from each values file in {@code k8s/values} (minimal, full, HA) is valid, field by field,
 * for the oldest and the newest Kubernetes the chart supports (Chart.yaml's kubeVersion): an unknown field, a
 * missing required one or a mistyped value fails the build, as the API server would refuse it at install.
 */
class KubernetesSchemaTest {

    /** The oldest supported version (Chart.yaml kubeVersion) and the newest released one. */
    private static final List<String> VERSIONS = List.of("1.28", "1.35");

    /** Custom resources: the Kubernetes API has no schema for them (HelmChartTest reads what they say). */
    private static final Set<String> CUSTOM_RESOURCES = Set.of("monitoring.coreos.com/v1 ServiceMonitor",
            "monitoring.coreos.com/v1 PrometheusRule");

    private static final Path CHART = Path.of("stackl-tasks").toAbsolutePath();
    private static final Path VALUES = Path.of("values").toAbsolutePath();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<String, KubernetesSchemas> SCHEMAS = new TreeMap<>();

    @TempDir
    static Path work;

    /** A copy of the chart whose `helm test` pod renders as a plain manifest (Helm leaves hooks out of `template`). */
    private static Path chartWithTestPod;

    @BeforeAll
    static void loadTheSchemasAndCopyTheChart() throws IOException {
        for (String version : VERSIONS) {
            SCHEMAS.put(version, KubernetesSchemas.of(version));
        }
        chartWithTestPod = work.resolve("stackl-tasks");
        try (Stream<Path> files = Files.walk(CHART, FileVisitOption.FOLLOW_LINKS)) {
            for (Path file : files.toList()) {
                Path target = chartWithTestPod.resolve(CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        Path hook = chartWithTestPod.resolve("templates/tests/readiness.yaml");
        String template = Files.readString(hook);
        assertThat(template).contains("helm.sh/hook: test");
        Files.writeString(hook, template.replace("helm.sh/hook: test", "stackl-tasks.io/was-hook: test"));
    }

    @AfterAll
    static void closeTheSchemas() throws IOException {
        for (KubernetesSchemas schemas : SCHEMAS.values()) {
            schemas.close();
        }
    }

    static Stream<String> valuesFiles() throws IOException {
        try (Stream<Path> files = Files.list(VALUES)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted()
                    .toList();
            assertThat(names).contains("minimal.yaml", "full.yaml", "ha.yaml");
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void shouldRenderManifestsThatTheOldestAndNewestKubernetesAccept(String valuesFile) throws IOException {
        for (KubernetesSchemas schemas : SCHEMAS.values()) {
            List<JsonNode> manifests = render(valuesFile, schemas.version());
            Map<String, Integer> kinds = new TreeMap<>();
            List<String> problems = new ArrayList<>();
            for (JsonNode manifest : manifests) {
                String kind = manifest.path("apiVersion").asText() + " " + manifest.path("kind").asText();
                kinds.merge(kind, 1, Integer::sum);
                if (!schemas.knows(manifest)) {
                    if (!CUSTOM_RESOURCES.contains(kind)) {
                        problems.add(kind + " " + manifest.at("/metadata/name").asText()
                                + ": no such kind in Kubernetes " + schemas.version());
                    }
                    continue;
                }
                schemas.problemWith(manifest).ifPresent(problem -> problems.add(
                        kind + " " + manifest.at("/metadata/name").asText() + ": " + problem));
            }
            System.out.printf("values/%s on Kubernetes %s: %d manifests, %s%n", valuesFile, schemas.version(),
                    manifests.size(), problems.isEmpty() ? "all valid" : problems.size() + " refused");
            kinds.forEach((kind, count) -> System.out.printf("  %2d x %s%s%n", count, kind,
                    CUSTOM_RESOURCES.contains(kind) ? " (custom resource: no Kubernetes schema)" : ""));
            problems.forEach(problem -> System.out.println("  REFUSED " + problem));
            assertThat(problems).as("values/%s on Kubernetes %s", valuesFile, schemas.version()).isEmpty();
        }
    }

    /** The check itself: it must refuse what an API server would, else the test above proves nothing. */
    @Test
    void shouldRefuseAnUnknownFieldAMistypedValueAndAFieldOfALaterVersion() throws IOException {
        JsonNode deployment = render("minimal.yaml", "1.35").stream()
                .filter(m -> "Deployment".equals(m.path("kind").asText())).findFirst().orElseThrow();
        for (KubernetesSchemas schemas : SCHEMAS.values()) {
            assertThat(schemas.problemWith(deployment)).as(schemas.version()).isEmpty();

            ObjectNode unknownField = deployment.deepCopy();
            ((ObjectNode) unknownField.at("/spec/template/spec/containers/0")).put("imagePullPolicyy", "Always");
            assertThat(schemas.problemWith(unknownField)).as(schemas.version()).hasValueSatisfying(
                    problem -> assertThat(problem).contains("imagePullPolicyy"));

            ObjectNode mistyped = deployment.deepCopy();
            ((ObjectNode) mistyped.at("/spec")).put("replicas", "two");
            assertThat(schemas.problemWith(mistyped)).as(schemas.version()).isPresent();

            ObjectNode missingRequired = deployment.deepCopy();
            ((ObjectNode) missingRequired.at("/spec/template/spec/containers/0")).remove("name");
            assertThat(schemas.problemWith(missingRequired)).as(schemas.version()).hasValueSatisfying(
                    problem -> assertThat(problem).contains("name"));
        }
        // Pod-level resources came with Kubernetes 1.32: valid for the newest, refused by the oldest.
        ObjectNode podLevelResources = deployment.deepCopy();
        ((ObjectNode) podLevelResources.at("/spec/template/spec")).putObject("resources").putObject("limits")
                .put("cpu", "1");
        assertThat(SCHEMAS.get("1.35").problemWith(podLevelResources)).isEmpty();
        assertThat(SCHEMAS.get("1.28").problemWith(podLevelResources)).hasValueSatisfying(
                problem -> assertThat(problem).contains("resources"));
    }

    private static List<JsonNode> render(String valuesFile, String kubernetesVersion) throws IOException {
        String rendered = new Helm(chartWithTestPod).template().withName("tasks")
                .withValuesFile(VALUES.resolve(valuesFile)).withKubeVersion(kubernetesVersion + ".0").call();
        List<JsonNode> manifests = new ArrayList<>();
        for (JsonNode document : YAML.readValues(YAML.createParser(rendered), JsonNode.class).readAll()) {
            if (document != null && !document.isNull() && !document.isEmpty()) {
                manifests.add(document);
            }
        }
        assertThat(manifests).as("rendered from values/" + valuesFile).isNotEmpty();
        assertThat(manifests).as("the helm test pod is rendered too")
                .anyMatch(m -> "test".equals(m.at("/metadata/annotations/stackl-tasks.io~1was-hook").asText()));
        return manifests;
    }
}

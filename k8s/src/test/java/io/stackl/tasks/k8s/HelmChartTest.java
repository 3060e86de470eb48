package io.stackl.tasks.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart, linted and rendered by Helm itself (helm-java: Helm's Go code as a library), and the manifests read
 * back: what a cluster would run must match what the services read, reach each other, and keep their promises
 * (probes, the broker's state on a volume, secrets never inlined). No cluster is needed; none is claimed.
 */
class HelmChartTest {

    private static final Path CHART = Path.of("stackl-tasks").toAbsolutePath();
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final List<String> SERVICES = List.of("api-gateway", "task-broker", "worker-service", "history-service");

    /** Helm renders for 1.20 unless told; the chart supports 1.28+ (KubernetesSchemaTest checks 1.28 and 1.35). */
    private static final String KUBERNETES = "1.30.0";

    @TempDir
    static Path work;

    /** The values an operator must give: the infrastructure. */
    private static final Map<String, Object> REQUIRED = Map.of(
            "kafka.bootstrapServers", "kafka-bootstrap.kafka:9092",
            "schemaRegistry.url", "http://registry.registry:8080/apis/registry/v3",
            "postgresql.jdbcUrl", "jdbc:postgresql://postgres.db:5432/stackl",
            "postgresql.existingSecret", "stackl-db",
            "internalApi.existingSecret", "stackl-internal-api");

    private static Path chartWithRequiredValues;

    @BeforeAll
    static void copyChartWithTheRequiredValues() throws IOException {
        // helm lint takes no values; lint a copy (symlinked files resolved) whose values.yaml has them.
        chartWithRequiredValues = work.resolve("stackl-tasks");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path file : files.toList()) {
                Path target = chartWithRequiredValues.resolve(CHART.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(file, target);
                }
            }
        }
        ObjectNode values = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile());
        REQUIRED.forEach((key, value) -> {
            String[] path = key.split("\\.");
            ((ObjectNode) values.path(path[0])).put(path[1], value.toString());
        });
        YAML.writeValue(chartWithRequiredValues.resolve("values.yaml").toFile(), values);
    }

    @Test
    void shouldPassHelmLint() {
        LintResult lint = new Helm(chartWithRequiredValues).lint().strict().call();

        assertThat(lint.getMessages()).as("helm lint --strict").noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
        assertThat(lint.isFailed()).isFalse();
    }

    @Test
    void shouldRunEveryServiceWithProbesAndTheSameInfrastructure() throws IOException {
        List<JsonNode> manifests = render(t -> t);

        for (String service : SERVICES) {
            JsonNode container = container(manifests, service);
            assertThat(container.path("image").asText()).isEqualTo("ghcr.io/stackl-tasks/" + service + ":0.1.0");
            assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
            assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
            Map<String, String> env = env(container);
            assertThat(env).containsEntry("HTTP_PORT", "8080")
                    .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka-bootstrap.kafka:9092")
                    .containsEntry("SCHEMA_REGISTRY_URL", "http://registry.registry:8080/apis/registry/v3");
            if (!service.equals("api-gateway")) {
                // They create topics. Co-partitioning: one partition count everywhere, or the broker refuses to start.
                assertThat(env).containsEntry("TASKS_PARTITIONS", "6").containsEntry("TASKS_REPLICATION_FACTOR", "3");
            }
            assertThat(kind(manifests, "Service", "release-" + service)).as("Service of " + service).isNotNull();
            assertThat(kind(manifests, "PodDisruptionBudget", "release-" + service)).isNotNull();
        }
    }

    @Test
    void shouldSetOnlyVariablesTheServicesRead() throws IOException {
        List<JsonNode> manifests = render(t -> t);

        for (String service : SERVICES) {
            String properties = Files.readString(ROOT.resolve(service + "/src/main/resources/application.properties"));
            for (String variable : env(container(manifests, service)).keySet()) {
                assertThat(properties).as(service + " reads " + variable).contains("${" + variable + ":");
            }
        }
    }

    @Test
    void shouldWireTheServicesToEachOther() throws IOException {
        List<JsonNode> manifests = render(t -> t);

        Map<String, String> gateway = env(container(manifests, "api-gateway"));
        assertThat(gateway).containsEntry("TASK_BROKER_URL", "http://release-task-broker:8080")
                .containsEntry("HISTORY_URL", "http://release-history-service:8080");
        assertThat(env(container(manifests, "worker-service"))).containsEntry("HISTORY_URL",
                "http://release-history-service:8080");
        // One value for the longest timeouts, so that the gateway refuses exactly what the broker would reject.
        assertThat(gateway).containsEntry("TASKS_GATEWAY_MAX_QUEUE_TIMEOUT", "1h")
                .containsEntry("TASKS_GATEWAY_MAX_TIMEOUT", "24h");
        assertThat(env(container(manifests, "task-broker"))).containsEntry("TASKS_BROKER_TIMEOUTS_QUEUE_MAX", "1h")
                .containsEntry("TASKS_BROKER_TIMEOUTS_EXECUTION_MAX", "24h");
        for (String url : List.of(gateway.get("TASK_BROKER_URL"), gateway.get("HISTORY_URL"))) {
            String name = url.substring("http://".length(), url.lastIndexOf(':'));
            JsonNode service = kind(manifests, "Service", name);
            assertThat(service).as("Service " + name).isNotNull();
            assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(8080);
        }
    }

    @Test
    void shouldKeepTheBrokerStateOnAVolumeAndAdvertiseThePodAddress() throws IOException {
        List<JsonNode> manifests = render(t -> t);

        JsonNode broker = kind(manifests, "StatefulSet", "release-task-broker");
        assertThat(broker).isNotNull();
        assertThat(broker.at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");
        JsonNode container = container(manifests, "task-broker");
        assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo(env(container).get("TASKS_BROKER_STATE_DIR"));
        JsonNode advertised = envEntry(container, "TASKS_BROKER_ADVERTISED_HOST");
        assertThat(advertised.at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("status.podIP");

        List<JsonNode> withoutPersistence = render(t -> t.set("broker.persistence.enabled", false));
        JsonNode ephemeral = kind(withoutPersistence, "StatefulSet", "release-task-broker");
        assertThat(ephemeral.at("/spec/volumeClaimTemplates").isMissingNode()).isTrue();
        assertThat(ephemeral.at("/spec/template/spec/volumes/0/emptyDir").isObject()).isTrue();
    }

    @Test
    void shouldReadTheDatabasePasswordFromASecret() throws IOException {
        JsonNode password = envEntry(container(render(t -> t), "history-service"), "DB_PASSWORD");
        assertThat(password.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("stackl-db");
        assertThat(password.has("value")).as("never inlined").isFalse();

        List<JsonNode> trial = render(t -> t.set("postgresql.existingSecret", "").set("postgresql.password", "s3cret"));
        assertThat(envEntry(container(trial, "history-service"), "DB_PASSWORD").at("/valueFrom/secretKeyRef/name")
                .asText()).isEqualTo("release-database");
        assertThat(kind(trial, "Secret", "release-database").at("/stringData/password").asText()).isEqualTo("s3cret");
    }

    @Test
    void shouldRefuseToRenderWithoutTheInfrastructureNamingTheValue() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName("release").withKubeVersion(KUBERNETES).call())
                .hasMessageContaining("is required");
        assertThatThrownBy(() -> render(t -> t.set("kafka.bootstrapServers", "")))
                .hasMessageContaining("kafka.bootstrapServers is required");
        assertThatThrownBy(() -> render(t -> t.set("postgresql.existingSecret", "")))
                .hasMessageContaining("postgresql.existingSecret");
    }

    @Test
    void shouldConfigureApiKeysAsHashesInAMountedSecret() throws IOException {
        String hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
        List<JsonNode> manifests = render(t -> t.set("gateway.auth.enabled", true)
                .set("gateway.auth.clients[0].name", "ci").set("gateway.auth.clients[0].keySha256", hash)
                .set("gateway.auth.clients[0].topics", "document"));

        String properties = kind(manifests, "Secret", "release-api-gateway-auth").at("/stringData/application.properties").asText();
        assertThat(properties).contains("tasks.gateway.auth.enabled=true",
                "tasks.gateway.auth.clients.ci.key-sha256=" + hash, "tasks.gateway.auth.clients.ci.topics=document");
        // Quarkus reads config/application.properties from its working directory, /deployments in the image.
        assertThat(container(manifests, "api-gateway").at("/volumeMounts/0/mountPath").asText())
                .isEqualTo("/deployments/config");

        assertThatThrownBy(() -> render(t -> t.set("gateway.auth.enabled", true)
                .set("gateway.auth.clients[0].name", "ci").set("gateway.auth.clients[0].keySha256", "plain-key")
                .set("gateway.auth.clients[0].topics", "*")))
                .hasMessageContaining("keySha256 must be 64 lower-case hex characters");
    }

    /** Bearer JWTs: the provider's keys, issuer and audience reach the gateway; without them the chart refuses. */
    @Test
    void shouldConfigureBearerTokensFromTheIdentityProvidersKeys() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("gateway.auth.enabled", true).set("gateway.auth.jwt.enabled", true)
                .set("gateway.auth.jwt.publicKeyLocation", "https://idp.example.com/jwks.json")
                .set("gateway.auth.jwt.issuer", "https://idp.example.com").set("gateway.auth.jwt.audience", "stackl")
                .set("gateway.auth.jwt.sourcePrefix", "jwt:"));

        String properties = kind(manifests, "Secret", "release-api-gateway-auth").at("/stringData/application.properties").asText();
        assertThat(properties).contains("tasks.gateway.auth.enabled=true", "tasks.gateway.auth.jwt.enabled=true",
                "tasks.gateway.auth.jwt.public-key-location=https://idp.example.com/jwks.json",
                "tasks.gateway.auth.jwt.issuer=https://idp.example.com", "tasks.gateway.auth.jwt.audience=stackl",
                "tasks.gateway.auth.jwt.topics-claim=stackl_topics", "tasks.gateway.auth.jwt.source-prefix=jwt:");
        assertThat(properties).contains("tasks.gateway.auth.jwt.algorithm=RS256",
                "tasks.gateway.auth.jwt.clock-skew-seconds=30");
        assertThatThrownBy(() -> render(t -> t.set("gateway.auth.enabled", true).set("gateway.auth.jwt.enabled", true)
                .set("gateway.auth.jwt.publicKeyLocation", "https://idp.example.com/jwks.json")))
                .hasMessageContaining("gateway.auth.jwt.enabled needs");
        assertThatThrownBy(() -> render(t -> t.set("gateway.auth.jwt.enabled", true)
                .set("gateway.auth.jwt.publicKeyLocation", "https://idp.example.com/jwks.json")
                .set("gateway.auth.jwt.issuer", "https://idp.example.com").set("gateway.auth.jwt.audience", "stackl")))
                .as("tokens without authentication on").hasMessageContaining("needs gateway.auth.enabled");
        assertThatThrownBy(() -> render(t -> t.set("gateway.auth.enabled", true).set("gateway.auth.jwt.enabled", true)
                .set("gateway.auth.jwt.publicKeyLocation", "http://idp.example.com/jwks.json")
                .set("gateway.auth.jwt.issuer", "https://idp.example.com").set("gateway.auth.jwt.audience", "stackl")))
                .as("keys over plain http").hasMessageContaining("publicKeyLocation");
    }

    @Test
    void shouldShipTheRulesAndDashboardsOfDeploy() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("monitoring.serviceMonitor.enabled", true)
                .set("monitoring.prometheusRule.enabled", true).set("monitoring.grafanaDashboards.enabled", true));

        JsonNode monitor = kind(manifests, "ServiceMonitor", "release-stackl-tasks");
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        JsonNode rules = kind(manifests, "PrometheusRule", "release-stackl-tasks");
        assertThat(rules.path("spec")).isEqualTo(YAML.readTree(ROOT.resolve("deploy/prometheus/stackl-tasks-rules.yaml").toFile()));
        JsonNode dashboards = kind(manifests, "ConfigMap", "release-stackl-tasks-dashboards");
        assertThat(dashboards.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        try (Stream<Path> files = Files.list(ROOT.resolve("deploy/grafana/dashboards"))) {
            for (Path dashboard : files.toList()) {
                assertThat(new ObjectMapper().readTree(dashboards.path("data").path(dashboard.getFileName().toString()).asText()))
                        .isEqualTo(new ObjectMapper().readTree(dashboard.toFile()));
            }
        }
        assertThat(render(t -> t)).noneMatch(m -> Set.of("ServiceMonitor", "PrometheusRule").contains(m.path("kind").asText()));
    }

    @Test
    void shouldScaleWorkersUpToThePartitionCount() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("workers.autoscaling.enabled", true)
                .set("workers.autoscaling.maxReplicas", 50));

        JsonNode hpa = kind(manifests, "HorizontalPodAutoscaler", "release-worker-service");
        assertThat(hpa.at("/spec/maxReplicas").asInt()).as("more workers than partitions would idle").isEqualTo(6);
        assertThat(kind(manifests, "Deployment", "release-worker-service").at("/spec/replicas").isMissingNode())
                .as("the autoscaler owns the replica count").isTrue();
    }

    /** Pod Security Standard "restricted", and no API token: the services never call the Kubernetes API. */
    @Test
    void shouldMeetThePodSecurityStandardRestrictedWithoutAnApiToken() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("broker.persistence.enabled", false).set("gateway.auth.enabled", true)
                .set("gateway.auth.clients[0].name", "ci").set("gateway.auth.clients[0].keySha256", "a".repeat(64))
                .set("gateway.auth.clients[0].topics", "*"));

        JsonNode account = manifests.stream().filter(m -> "ServiceAccount".equals(m.path("kind").asText())).findFirst()
                .orElseThrow();
        assertThat(account.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        for (String service : SERVICES) {
            JsonNode pod = workload(manifests, service).at("/spec/template/spec");
            assertThat(pod.path("serviceAccountName").asText()).as(service).isEqualTo(account.at("/metadata/name").asText());
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(service).isFalse();
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(service).isTrue();
            assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as(service).isEqualTo("RuntimeDefault");
            JsonNode container = pod.at("/containers/0");
            assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).as(service).isFalse();
            assertThat(container.at("/securityContext/capabilities/drop").toString()).as(service).contains("\"ALL\"");
            assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).as(service).isTrue();
            String tmpVolume = null;
            for (JsonNode mount : container.path("volumeMounts")) {
                if ("/tmp".equals(mount.path("mountPath").asText())) {
                    tmpVolume = mount.path("name").asText();
                }
            }
            assertThat(tmpVolume).as(service + ": a writable /tmp").isNotNull();
            Set<String> emptyDirs = new HashSet<>();
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.has("emptyDir")) {
                    emptyDirs.add(volume.path("name").asText());
                }
            }
            assertThat(emptyDirs).as(service).contains(tmpVolume);
        }
    }

    /** A service that changes one security setting keeps the others: its keys are laid over the chart-wide context. */
    @Test
    void shouldMergeAServicesSecurityContextOverTheChartWideOne() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("broker.securityContext.readOnlyRootFilesystem", false)
                .set("history.podSecurityContext.runAsUser", 1001));

        JsonNode broker = container(manifests, "task-broker").path("securityContext");
        assertThat(broker.path("readOnlyRootFilesystem").asBoolean(true)).isFalse();
        assertThat(broker.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(broker.at("/capabilities/drop").toString()).contains("\"ALL\"");
        assertThat(container(manifests, "api-gateway").at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        JsonNode history = workload(manifests, "history-service").at("/spec/template/spec/securityContext");
        assertThat(history.path("runAsUser").asInt()).isEqualTo(1001);
        assertThat(history.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        assertThat(history.path("runAsNonRoot").asBoolean()).isTrue();
    }

    /** A service's own scheduling values replace the chart-wide ones for that service only. */
    @Test
    void shouldScheduleEachServiceByItsOwnValuesElseTheChartWideOnes() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("gateway.nodeSelector.disktype", "ssd")
                .set("nodeSelector.pool", "general"));

        assertThat(workload(manifests, "api-gateway").at("/spec/template/spec/nodeSelector").toString())
                .isEqualTo("{\"disktype\":\"ssd\"}");
        for (String service : SERVICES) {
            JsonNode pod = workload(manifests, service).at("/spec/template/spec");
            if (!service.equals("api-gateway")) {
                assertThat(pod.path("nodeSelector").toString()).as(service).isEqualTo("{\"pool\":\"general\"}");
            }
            assertThat(pod.at("/topologySpreadConstraints/0/labelSelector/matchLabels/app.kubernetes.io~1name").asText())
                    .as(service + " spread by its own pods").isEqualTo(service);
        }
    }

    /** values.schema.json: a typo or a value of the wrong type fails the render, naming it, instead of being ignored. */
    @Test
    void shouldRefuseUnknownAndMistypedValues() throws IOException {
        assertThatThrownBy(() -> render(t -> t.set("workers.replica", 5))).hasMessageContaining("replica");
        assertThatThrownBy(() -> render(t -> t.set("kafka.partitions", "six"))).hasMessageContaining("partitions");
        assertThatThrownBy(() -> render(t -> t.set("monitoring.serviceMonitor.intervall", "30s")))
                .hasMessageContaining("intervall");
        assertThatThrownBy(() -> render(t -> t.set("image.pullPolicy", "Sometimes"))).hasMessageContaining("pullPolicy");
        assertThatThrownBy(() -> render(t -> t.set("gateway.auth.enabled", true).set("gateway.auth.clients[0].name", "ci")
                .set("gateway.auth.clients[0].keySha256", "a".repeat(64)))).as("a client without topics")
                .hasMessageContaining("topics");
        // ...and values the services and the operator accept render.
        assertThat(render(t -> t.set("gateway.maxBody", "512k").set("monitoring.serviceMonitor.enabled", true)
                .set("monitoring.serviceMonitor.interval", "1m30s").set("image.tag", 20240101)))
                .anyMatch(m -> "ServiceMonitor".equals(m.path("kind").asText()));
    }

    /** {@code helm test}: a pod asks every service for readiness through the Service that exists for it. */
    @Test
    void shouldShipAHelmTestThatAsksEveryServiceForReadiness() throws IOException {
        Path hookTemplate = chartWithRequiredValues.resolve("templates/tests/readiness.yaml");
        String hook = Files.readString(hookTemplate);
        assertThat(hook).contains("helm.sh/hook: test");
        // Helm renders hooks only at install; rendered here as a plain manifest, from a copy without the annotation.
        Files.writeString(hookTemplate, hook.replace("helm.sh/hook: test", "stackl-tasks.io/was-hook: test"));
        List<JsonNode> manifests;
        try {
            manifests = render(new Helm(chartWithRequiredValues), t -> t.set("gateway.service.port", 8000));
        } finally {
            Files.writeString(hookTemplate, hook);
        }
        JsonNode test = manifests.stream()
                .filter(m -> "test".equals(m.at("/metadata/annotations/stackl-tasks.io~1was-hook").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no helm test pod"));
        String script = test.at("/spec/containers/0/command").toString();
        for (String service : SERVICES) {
            JsonNode target = kind(manifests, "Service", "release-" + service);
            assertThat(target).as(service).isNotNull();
            assertThat(script).contains("http://release-" + service + ":" + target.at("/spec/ports/0/port").asInt()
                    + "/q/health/ready");
        }
        assertThat(test.at("/spec/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        assertThat(test.at("/spec/containers/0/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
    }

    /**
     * Defence in depth: the broker's and the history service's APIs answer only the services that call them (and the
     * `helm test` pod and the scrapers); workers only the scrapers; the gateway anyone unless told.
     */
    @Test
    void shouldLetEachServiceBeCalledOnlyByItsCallers() throws IOException {
        List<JsonNode> manifests = render(t -> t);
        Map<String, Set<String>> callers = Map.of(
                "api-gateway", Set.of(),
                "task-broker", Set.of("api-gateway", "task-broker", "test", "prometheus"),
                "history-service", Set.of("api-gateway", "worker-service", "test", "prometheus"),
                "worker-service", Set.of("test", "prometheus"));
        for (String service : SERVICES) {
            JsonNode policy = kind(manifests, "NetworkPolicy", "release-" + service);
            assertThat(policy).as(service).isNotNull();
            assertThat(policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo(service);
            assertThat(policy.at("/spec/policyTypes").toString()).isEqualTo("[\"Ingress\"]");
            JsonNode rules = policy.at("/spec/ingress");
            assertThat(rules.size()).as(service).isEqualTo(1);
            assertThat(rules.at("/0/ports/0/port").asText()).isEqualTo("http");
            Set<String> from = new HashSet<>();
            for (JsonNode peer : rules.at("/0/from")) {
                JsonNode labels = peer.at("/podSelector/matchLabels");
                from.add(labels.has("app.kubernetes.io/component") ? labels.path("app.kubernetes.io/component").asText()
                        : labels.path("app.kubernetes.io/name").asText());
                if (!"prometheus".equals(labels.path("app.kubernetes.io/name").asText())) {
                    assertThat(labels.path("app.kubernetes.io/instance").asText()).as("own release only")
                            .isEqualTo("release");
                }
            }
            assertThat(from).as(service).isEqualTo(callers.get(service));
        }
        assertThat(kind(manifests, "NetworkPolicy", "release-api-gateway").at("/spec/ingress/0").has("from"))
                .as("the API open to any source by default").isFalse();
        // Named sources for the API keep the test pod and the scrapers; added peers reach the history service (workers
        // in other languages write through it); no policy at all when switched off.
        List<JsonNode> restricted = render(t -> t.set("networkPolicy.gateway.from[0].ipBlock.cidr", "10.0.0.0/8")
                .set("networkPolicy.history.from[0].ipBlock.cidr", "10.1.0.0/16"));
        assertThat(peers(kind(restricted, "NetworkPolicy", "release-api-gateway")))
                .containsExactlyInAnyOrder("test", "prometheus", "10.0.0.0/8");
        assertThat(peers(kind(restricted, "NetworkPolicy", "release-history-service"))).containsExactlyInAnyOrder(
                "api-gateway", "worker-service", "test", "prometheus", "10.1.0.0/16");
        assertThat(peers(kind(restricted, "NetworkPolicy", "release-task-broker")))
                .doesNotContain("10.0.0.0/8", "10.1.0.0/16");
        assertThat(render(t -> t.set("networkPolicy.enabled", false)))
                .noneMatch(m -> "NetworkPolicy".equals(m.path("kind").asText()));
    }

    /**
     * The internal APIs' service tokens: each service gets exactly the tokens of the calls it makes or answers, from the
     * user's Secret (the chart makes none: tokens made at render time would change with every upgrade); never inlined.
     */
    @Test
    void shouldGiveEachServiceOnlyTheServiceTokensOfItsOwnCalls() throws IOException {
        Map<String, Set<String>> tokens = Map.of(
                "api-gateway", Set.of("TASKS_BROKER_TOKEN_GATEWAY", "TASKS_HISTORY_TOKEN_GATEWAY"),
                "task-broker", Set.of("TASKS_BROKER_TOKEN_GATEWAY", "TASKS_BROKER_TOKEN_PEER"),
                "history-service", Set.of("TASKS_HISTORY_TOKEN_GATEWAY", "TASKS_HISTORY_TOKEN_WORKER"),
                "worker-service", Set.of("TASKS_HISTORY_TOKEN_WORKER"));
        List<JsonNode> manifests = render(t -> t);
        assertThat(manifests).noneMatch(m -> "Secret".equals(m.path("kind").asText()));
        for (String service : SERVICES) {
            JsonNode container = container(manifests, service);
            Set<String> given = new HashSet<>(env(container).keySet());
            given.removeIf(name -> !name.matches("TASKS_.*_TOKEN_.*"));
            assertThat(given).as(service).isEqualTo(tokens.get(service));
            for (String variable : given) {
                JsonNode entry = envEntry(container, variable);
                assertThat(entry.has("value")).as("never inlined").isFalse();
                assertThat(entry.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("stackl-internal-api");
                String key = entry.at("/valueFrom/secretKeyRef/key").asText();
                assertThat(variable).isEqualTo("TASKS_" + key.replace("-", "_TOKEN_").toUpperCase());
            }
        }

        assertThatThrownBy(() -> render(t -> t.set("internalApi.existingSecret", "")))
                .hasMessageContaining("internalApi.existingSecret is required");
    }

    /**
     * Kafka over SASL_SSL or mutual TLS: every service logs in as its own user from the user's Secret, trusts the CA of
     * the user's Secret, and mounts only its own client key; nothing of it by default.
     */
    @Test
    void shouldConnectEachServiceToKafkaAsItsOwnUserOverTls() throws IOException {
        for (String service : SERVICES) {
            assertThat(env(container(render(t -> t), service)).keySet()).as(service)
                    .noneMatch(name -> name.startsWith("KAFKA_S"));
        }
        List<JsonNode> sasl = render(t -> t.set("kafka.security.protocol", "SASL_SSL")
                .set("kafka.security.saslSecret", "kafka-users").set("kafka.security.caSecret", "kafka-ca")
                .set("kafka.security.clientCertSecret", "kafka-clients"));
        Map<String, String> users = Map.of("api-gateway", "gateway", "task-broker", "broker",
                "worker-service", "worker", "history-service", "history");
        for (String service : SERVICES) {
            JsonNode container = container(sasl, service);
            String user = users.get(service);
            assertThat(env(container)).as(service).containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                    .containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                    .containsEntry("KAFKA_SSL_CA_FILE", "/etc/stackl/kafka-ca/ca.crt")
                    .containsEntry("KAFKA_SSL_KEYSTORE_FILE", "/etc/stackl/kafka-client/" + user + ".pem");
            for (String secretKey : List.of("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD")) {
                JsonNode entry = envEntry(container, secretKey);
                assertThat(entry.has("value")).as("never inlined").isFalse();
                assertThat(entry.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("kafka-users");
                assertThat(entry.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo(user + "-"
                        + (secretKey.endsWith("USERNAME") ? "username" : "password"));
            }
            JsonNode keyPassword = envEntry(container, "KAFKA_SSL_KEY_PASSWORD");
            assertThat(keyPassword.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo(user + "-key-password");
            assertThat(keyPassword.at("/valueFrom/secretKeyRef/optional").asBoolean()).as("only for encrypted keys")
                    .isTrue();
            Set<String> mounted = new HashSet<>();
            container.path("volumeMounts").forEach(m -> mounted.add(m.path("mountPath").asText()));
            assertThat(mounted).contains("/etc/stackl/kafka-ca", "/etc/stackl/kafka-client");
            JsonNode volumes = workload(sasl, service).at("/spec/template/spec/volumes");
            List<String> clientKeys = new ArrayList<>();
            volumes.forEach(v -> {
                if (v.path("name").asText().equals("kafka-client")) {
                    assertThat(v.at("/secret/secretName").asText()).isEqualTo("kafka-clients");
                    v.at("/secret/items").forEach(item -> clientKeys.add(item.path("key").asText()));
                }
            });
            assertThat(clientKeys).as("only its own key").containsExactly(user + ".pem");
        }
        JsonNode registryPassword = envEntry(container(render(t -> t.set("schemaRegistry.existingSecret", "registry")),
                "history-service"), "SCHEMA_REGISTRY_PASSWORD");
        assertThat(registryPassword.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("registry");
        assertThat(registryPassword.has("value")).isFalse();
        assertThatThrownBy(() -> render(t -> t.set("kafka.security.protocol", "SASL_SSL")))
                .hasMessageContaining("kafka.security.saslSecret is required");
        assertThatThrownBy(() -> render(t -> t.set("kafka.security.protocol", "TLS")))
                .hasMessageContaining("protocol");
    }

    /** The broker stops within its shutdown timeout, Kafka or not; its grace period leaves the JVM time after that. */
    @Test
    void shouldGiveTheBrokerAGracePeriodBeyondItsShutdownTimeout() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("broker.shutdownTimeoutSeconds", 30));
        JsonNode broker = workload(manifests, "task-broker");
        assertThat(env(container(manifests, "task-broker"))).containsEntry("TASKS_BROKER_SHUTDOWN_TIMEOUT", "30s");
        assertThat(broker.at("/spec/template/spec/terminationGracePeriodSeconds").asInt()).isEqualTo(45);
    }

    /** A policy's sources: component or name of a pod peer, or an ipBlock's CIDR. */
    private static List<String> peers(JsonNode policy) {
        List<String> peers = new ArrayList<>();
        for (JsonNode peer : policy.at("/spec/ingress/0/from")) {
            JsonNode labels = peer.at("/podSelector/matchLabels");
            peers.add(peer.has("ipBlock") ? peer.at("/ipBlock/cidr").asText()
                    : labels.has("app.kubernetes.io/component") ? labels.path("app.kubernetes.io/component").asText()
                    : labels.path("app.kubernetes.io/name").asText());
        }
        return peers;
    }

    /** A pod scraped under two Services would count twice in every sum of the rules and the dashboard. */
    @Test
    void shouldScrapeEachServiceOnce() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("monitoring.serviceMonitor.enabled", true));

        JsonNode selector = kind(manifests, "ServiceMonitor", "release-stackl-tasks").at("/spec/selector");
        List<String> scraped = manifests.stream().filter(m -> "Service".equals(m.path("kind").asText()))
                .filter(service -> selects(selector, service.at("/metadata/labels")))
                .map(service -> service.at("/spec/selector/app.kubernetes.io~1name").asText()).toList();
        assertThat(scraped).containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(kind(manifests, "Service", "release-task-broker-headless")).as("still rendered").isNotNull();
        assertThat(kind(manifests, "ServiceMonitor", "release-stackl-tasks").at("/spec/endpoints/0/relabelings").toString())
                .as("the labels the dashboard filters by").contains("\"targetLabel\":\"service\"", "\"targetLabel\":\"release\"");
    }

    @Test
    void shouldKeepTheAutoscalersMinimumWithinItsMaximum() throws IOException {
        List<JsonNode> manifests = render(t -> t.set("workers.autoscaling.enabled", true).set("kafka.partitions", 2));

        JsonNode hpa = kind(manifests, "HorizontalPodAutoscaler", "release-worker-service");
        assertThat(hpa.at("/spec/maxReplicas").asInt()).isEqualTo(2);
        assertThat(hpa.at("/spec/minReplicas").asInt()).isEqualTo(2);
    }

    /** The package holds the chart and the files it reads, nothing else that its links to deploy/ reach. */
    @Test
    void shouldPackageOnlyWhatTheChartUses() throws IOException {
        Path destination = Files.createDirectories(work.resolve("package"));
        new Helm(CHART).packageIt().withDestination(destination).call();
        Path packaged = destination.resolve("stackl-tasks-0.1.0.tgz");
        List<String> entries = tarEntries(packaged);
        assertThat(entries).contains("stackl-tasks/Chart.yaml", "stackl-tasks/files/prometheus/stackl-tasks-rules.yaml")
                .anyMatch(name -> name.startsWith("stackl-tasks/files/dashboards/") && name.endsWith(".json"))
                .noneMatch(name -> name.contains("promql-check") || name.contains("node_modules"));
        assertThat(entries.stream().filter(name -> name.startsWith("stackl-tasks/files/prometheus/")))
                .containsExactly("stackl-tasks/files/prometheus/stackl-tasks-rules.yaml");
        assertThat(Files.size(packaged)).as("bytes").isLessThan(64 * 1024);
    }

    // ---------------------------------------------------------------- helpers

    /** The names in a gzipped tar (ustar headers: the name in bytes 0-99, the size in octal in 124-135). */
    private static List<String> tarEntries(Path tgz) throws IOException {
        List<String> names = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = new String(header, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
                String prefix = new String(header, 345, 155, StandardCharsets.US_ASCII).replace("\0", "");
                long size = Long.parseLong(new String(header, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim(), 8);
                if (header[156] == '0' || header[156] == 0) {
                    names.add(prefix.isEmpty() ? name : prefix + "/" + name);
                }
                in.skipNBytes((size + 511) / 512 * 512);
            }
        }
        return names;
    }

    /** A Kubernetes label selector: every matchLabels entry, and the DoesNotExist/Exists expressions the chart uses. */
    private static boolean selects(JsonNode selector, JsonNode labels) {
        for (Map.Entry<String, JsonNode> label : (Iterable<Map.Entry<String, JsonNode>>) selector.path("matchLabels")::fields) {
            if (!label.getValue().asText().equals(labels.path(label.getKey()).asText(null))) {
                return false;
            }
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            boolean present = labels.has(expression.path("key").asText());
            switch (expression.path("operator").asText()) {
                case "DoesNotExist" -> {
                    if (present) {
                        return false;
                    }
                }
                case "Exists" -> {
                    if (!present) {
                        return false;
                    }
                }
                default -> throw new AssertionError("operator not handled here: " + expression);
            }
        }
        return true;
    }

    private static List<JsonNode> render(UnaryOperator<TemplateCommand> options) throws IOException {
        return render(new Helm(CHART), options);
    }

    private static List<JsonNode> render(Helm chart, UnaryOperator<TemplateCommand> options) throws IOException {
        TemplateCommand template = chart.template().withName("release").withKubeVersion(KUBERNETES);
        for (Map.Entry<String, Object> value : REQUIRED.entrySet()) {
            template = template.set(value.getKey(), value.getValue());
        }
        String rendered = options.apply(template).call();
        List<JsonNode> manifests = new ArrayList<>();
        for (JsonNode document : YAML.readValues(YAML.createParser(rendered), JsonNode.class).readAll()) {
            if (document != null && !document.isNull() && !document.isEmpty()) {
                manifests.add(document);
            }
        }
        assertThat(manifests).isNotEmpty();
        return manifests;
    }

    private static JsonNode kind(List<JsonNode> manifests, String kind, String name) {
        return manifests.stream().filter(m -> kind.equals(m.path("kind").asText())
                && name.equals(m.at("/metadata/name").asText())).findFirst().orElse(null);
    }

    private static JsonNode workload(List<JsonNode> manifests, String service) {
        return manifests.stream().filter(m -> Set.of("Deployment", "StatefulSet").contains(m.path("kind").asText())
                && ("release-" + service).equals(m.at("/metadata/name").asText())).findFirst().orElseThrow(
                        () -> new AssertionError("no workload for " + service));
    }

    private static JsonNode container(List<JsonNode> manifests, String service) {
        return workload(manifests, service).at("/spec/template/spec/containers/0");
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode entry : container.path("env")) {
            assertThat(seen.add(entry.path("name").asText())).as("set once: " + entry.path("name")).isTrue();
            env.put(entry.path("name").asText(), entry.path("value").asText(null));
        }
        return env;
    }

    private static JsonNode envEntry(JsonNode container, String name) {
        for (JsonNode entry : container.path("env")) {
            if (name.equals(entry.path("name").asText())) {
                return entry;
            }
        }
        throw new AssertionError(name + " not set");
    }
}

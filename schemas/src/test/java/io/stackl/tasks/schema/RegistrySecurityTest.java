package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.stackl.tasks.infra.SharedInfrastructure;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A registry that wants credentials: the real registry behind a gate that answers 401 to any request without the
 * right HTTP Basic credentials. The schema registration and the serdes both send them.
 */
class RegistrySecurityTest {

    private static final Map<String, String> CREDENTIALS = Map.of(RegistrySecurity.USERNAME, "stackl",
            RegistrySecurity.PASSWORD, "registry-pass:word");
    /** Headers the JDK's client sets itself, or that are the gate's own. */
    private static final java.util.Set<String> RESTRICTED = java.util.Set.of("host", "content-length", "connection",
            "expect", "upgrade", "authorization", "transfer-encoding", "keep-alive");
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final List<String> passed = new CopyOnWriteArrayList<>();
    private HttpServer gate;
    private String gatedUrl;

    @BeforeEach
    void startTheGate() throws Exception {
        String registry = SharedInfrastructure.get().registry().apicurioApiUrl();
        // The same paths as the registry's (Apicurio's client insists on its /apis/registry/v3), on another port.
        String registryRoot = registry.substring(0, registry.indexOf("/apis/"));
        String expected = "Basic " + Base64.getEncoder().encodeToString("stackl:registry-pass:word"
                .getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        gate = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gate.createContext("/", exchange -> {
            String path = exchange.getRequestURI().toString();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                refused.add(exchange.getRequestMethod() + " " + path);
                exchange.sendResponseHeaders(401, -1);
                exchange.close();
                return;
            }
            passed.add(exchange.getRequestMethod() + " " + path);
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(registryRoot + path))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((header, values) -> {
                if (!RESTRICTED.contains(header.toLowerCase())) {
                    values.forEach(value -> forward.header(header, value));
                }
            });
            try {
                HttpResponse<byte[]> answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (answer.statusCode() >= 400) {
                    System.err.println("registry answered " + answer.statusCode() + " to " + exchange.getRequestMethod()
                            + " " + path + ": " + new String(answer.body(), StandardCharsets.UTF_8));
                }
                answer.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add(
                        "Content-Type", v));
                exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                exchange.getResponseBody().write(answer.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
            }
            exchange.close();
        });
        gate.start();
        gatedUrl = "http://127.0.0.1:" + gate.getAddress().getPort() + "/apis/registry/v3";
    }

    @AfterEach
    void stopTheGate() {
        gate.stop(0);
    }

    @Test
    void shouldRegisterSchemasWithTheRegistrysCredentialsOnly() {
        Map<String, org.apache.avro.Schema> subjects = SchemaRegistration.subjects(List.of("task-work.secured"));

        assertThatThrownBy(() -> SchemaRegistration.registerAll(gatedUrl, subjects, Map.of()))
                .hasMessageContaining("HTTP 401");
        SchemaRegistration.registerAll(gatedUrl, subjects, CREDENTIALS);
        assertThat(passed).hasSize(subjects.size());
    }

    @Test
    void shouldSerializeWithTheRegistrysCredentials() {
        TaskRequest request = WireFormatTest.fullTaskRequest();
        try (AvroKafkaSerializer<TaskRequest> serializer = new AvroKafkaSerializer<>()) {
            serializer.configure(AvroSerdes.wireFormatConfig(gatedUrl, CREDENTIALS), false);
            byte[] bytes = serializer.serialize(Topics.TASK_REQUESTS.name(), request);
            assertThat(bytes[0]).isZero();
        }
        assertThat(passed).isNotEmpty();
        assertThat(refused).isEmpty();
        try (AvroKafkaSerializer<TaskRequest> serializer = new AvroKafkaSerializer<>()) {
            serializer.configure(AvroSerdes.wireFormatConfig(gatedUrl, Map.of()), false);
            assertThatThrownBy(() -> serializer.serialize(Topics.TASK_REQUESTS.name(), request)).isNotNull();
        }
        assertThat(refused).isNotEmpty();
    }

    @Test
    void shouldRefuseAUsernameWithoutAPassword() {
        assertThatThrownBy(() -> RegistrySecurity.serdeConfig(Map.of(RegistrySecurity.USERNAME, "stackl")))
                .hasMessageContaining("SCHEMA_REGISTRY_PASSWORD is required");
    }
}

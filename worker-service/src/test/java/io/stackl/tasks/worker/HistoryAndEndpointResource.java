package io.stackl.tasks.worker;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * For the worker's tests: the real infrastructure, the real (packaged) history service as a separate process, and a
 * local HTTP endpoint for the HTTP handler that records what it receives. Started once per test JVM.
 */
public class HistoryAndEndpointResource implements QuarkusTestResourceLifecycleManager {

    /** Bodies the test endpoint received, by path; read by the tests through {@code GET /calls} on the endpoint. */
    static final List<String> CALLS = new CopyOnWriteArrayList<>();

    private static ServiceProcess history;
    private static HttpServer endpoint;

    @Override
    public synchronized Map<String, String> start() {
        LocalInfrastructure infra = SharedInfrastructure.get();
        if (history == null) {
            Map<String, String> env = new HashMap<>(infra.serviceEnvironment());
            history = ServiceProcess.startOnFreePort(Path.of("..").toAbsolutePath().normalize(), "history-service",
                    env, Path.of("target", "test-logs").toAbsolutePath());
            SharedInfrastructure.stopBeforeInfrastructure(history);
            endpoint = startEndpoint();
        }
        Map<String, String> config = new HashMap<>(infra.quarkusConfig());
        config.put("tasks.worker.history-url", history.url());
        String base = "http://127.0.0.1:" + endpoint.getAddress().getPort();
        config.put("tasks.worker.http.url", base + "/call");
        config.put("tasks.worker.http.undo-url", base + "/undo");
        config.put("test.endpoint.url", base);
        return config;
    }

    @Override
    public void stop() {
        // Shared by the module's test classes; stopped with the JVM.
    }

    private static HttpServer startEndpoint() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String path = exchange.getRequestURI().getPath();
                byte[] answer;
                int status;
                if (path.equals("/calls")) {
                    answer = String.join("\n", CALLS).getBytes(StandardCharsets.UTF_8);
                    status = 200;
                } else {
                    CALLS.add(path + " key=" + exchange.getRequestHeaders().getFirst("Idempotency-Key") + " " + body
                            + " at=" + System.currentTimeMillis());
                    status = body.contains("\"fail500\"") ? 500 : 200;
                    answer = ("{\"echo\":\"" + path + "\"}").getBytes(StandardCharsets.UTF_8);
                }
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

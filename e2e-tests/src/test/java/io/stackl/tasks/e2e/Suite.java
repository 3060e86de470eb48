package io.stackl.tasks.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.Postgres;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import io.stackl.tasks.schema.KafkaSecurity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The whole suite as a user runs it: the real infrastructure and the four packaged services as separate processes,
 * started once per test JVM, stopped (services first) when it exits. Tests talk to it only through REST and Kafka.
 * Every service reaches Kafka over SASL_SSL as a SCRAM user of its own, and so do the tests' producers
 * ({@link #kafkaClient()}): the scenarios run with authentication and TLS as a deployment would.
 */
final class Suite {

    static final ObjectMapper JSON = new ObjectMapper();
    /** The broker's rollback timeout in the suite. */
    static final Duration ROLLBACK_TIMEOUT = Duration.ofSeconds(5);
    private static Suite instance;

    final LocalInfrastructure infra;
    private final Path root = Path.of("..").toAbsolutePath().normalize();
    private final Path logs = Path.of("target", "e2e-logs").toAbsolutePath();
    /** The suite's own settings, over each service's infrastructure settings. */
    private final Map<String, String> env = new HashMap<>();
    volatile ServiceProcess history;
    volatile ServiceProcess broker;
    volatile ServiceProcess worker;
    volatile ServiceProcess gateway;
    /** The HTTP function behind task topic {@code http}; lives as long as the test JVM. */
    final FunctionEndpoint functions;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Suite() {
        infra = SharedInfrastructure.get();
        history = start("history-service");
        env.put("HISTORY_URL", history.url());
        // Short, so that the faults can pause the history service past it (a late rollback report, ADR 0007).
        env.put("TASKS_BROKER_TIMEOUTS_ROLLBACK", ROLLBACK_TIMEOUT.toSeconds() + "s");
        env.put("TASKS_BROKER_STATE_DIR", Path.of("target", "broker-state", UUID.randomUUID().toString())
                .toAbsolutePath().toString());
        broker = start("task-broker");
        env.put("TASK_BROKER_URL", broker.url());
        functions = new FunctionEndpoint();
        env.put("TASKS_WORKER_HTTP_URL", functions.url());
        env.put("TASKS_WORKER_HTTP_UNDO_URL", functions.undoUrl());
        worker = start("worker-service");
        gateway = start("api-gateway");
    }

    /** Kills the service with SIGKILL (a crash) and starts it again on the same port, so others still reach it. */
    synchronized ServiceProcess crashAndRestart(ServiceProcess crashed) {
        crashed.kill();
        return restart(crashed);
    }

    /** Starts a service that was killed again, on the same port. */
    synchronized ServiceProcess restart(ServiceProcess crashed) {
        String module = crashed.name();
        ServiceProcess restarted = start(module, crashed.port());
        switch (module) {
            case "history-service" -> history = restarted;
            case "task-broker" -> broker = restarted;
            case "worker-service" -> worker = restarted;
            default -> gateway = restarted;
        }
        return restarted;
    }

    /** Another instance of a service (a second worker, say), with the suite's settings, on a port of its own. */
    synchronized ServiceProcess startAnother(String module) {
        return start(module);
    }

    /** Another instance of a service with settings of its own over the suite's. */
    synchronized ServiceProcess startAnother(String module, Map<String, String> settings) {
        Map<String, String> environment = environment(module);
        environment.putAll(settings);
        return stoppedWithTheInfrastructure(ServiceProcess.startOnFreePort(root, module, environment, logs));
    }

    /** Where the services write their logs (one file per module, appended to by every instance). */
    Path logs() {
        return logs;
    }

    /** Every secret the suite gave the services: internal API tokens and their Kafka passwords. */
    Map<String, String> secrets() {
        Map<String, String> secrets = new HashMap<>();
        infra.serviceEnvironment().forEach((name, value) -> {
            if (name.contains("_TOKEN_")) {
                secrets.put(name, value);
            }
        });
        for (String module : new String[] {"api-gateway", "task-broker", "worker-service", "history-service"}) {
            secrets.put(module + " KAFKA_SASL_PASSWORD",
                    infra.saslSslServiceEnvironment(module).get("KAFKA_SASL_PASSWORD"));
        }
        return secrets;
    }

    static synchronized Suite get() {
        if (instance == null) {
            instance = new Suite();
        }
        return instance;
    }

    /**
     * The Kafka client settings of a producer of the users' own (SASL_SSL, user {@code stackl-client}), for
     * {@code KafkaProducer} and the client library.
     */
    Map<String, Object> kafkaClient() {
        Map<String, String> settings = infra.kafka().saslSslEnvironment("stackl-client");
        Map<String, Object> props = new HashMap<>(KafkaSecurity.from(settings));
        props.put("bootstrap.servers", settings.get("KAFKA_BOOTSTRAP_SERVERS"));
        return props;
    }

    private ServiceProcess start(String module) {
        return stoppedWithTheInfrastructure(ServiceProcess.startOnFreePort(root, module, environment(module), logs));
    }

    private ServiceProcess start(String module, int port) {
        return stoppedWithTheInfrastructure(ServiceProcess.start(root, module, port, environment(module), logs));
    }

    private Map<String, String> environment(String module) {
        Map<String, String> environment = new HashMap<>(infra.saslSslServiceEnvironment(module));
        environment.putAll(env);
        return environment;
    }

    private static ServiceProcess stoppedWithTheInfrastructure(ServiceProcess process) {
        SharedInfrastructure.stopBeforeInfrastructure(process);
        return process;
    }

    /** Pauses the process with SIGSTOP for {@code pause}, then lets it go on with SIGCONT: a stall, not a crash. */
    static void stall(long pid, Duration pause) {
        signal(pid, "STOP");
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            signal(pid, "CONT");
        }
    }

    /** Whether the process is stopped by a signal (SIGSTOP): state {@code T} in {@code /proc/<pid>/stat}. */
    static boolean stopped(long pid) throws IOException {
        String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
    }

    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A connection to the application database of the history service, for the invariant checker. */
    Connection database() throws SQLException {
        return DriverManager.getConnection(infra.postgres().jdbcUrl(LocalInfrastructure.APP_DATABASE), Postgres.USER, "");
    }

    /** A response's status and JSON body. */
    record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

    Reply post(String path, Object body) {
        return post(path, body, Map.of());
    }

    Reply post(String path, Object body, Map<String, String> headers) {
        try {
            return postJson(path, JSON.writeValueAsString(body), headers);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts a body already written as JSON (for one that must carry escapes a default writer would not make). */
    Reply postJson(String path, String json, Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url() + path))
                    .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            headers.forEach(request::header);
            return reply(http.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).GET());
    }

    /**
     * Waits until the gateway's {@code GET /tasks/{id}/result} says {@code state}. On timeout it fails with one line
     * that says where the task stood: its states on {@code task-events}, the gateway's last answer, and the broker's
     * readiness. CI keeps only the failure's message, so a timeout there must explain itself.
     */
    void awaitResult(String taskId, String state, Duration within) {
        AtomicReference<String> last = new AtomicReference<>("no answer");
        try {
            Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(500)).until(() -> {
                Reply reply;
                try {
                    reply = get("/tasks/" + taskId + "/result");
                } catch (IllegalStateException e) { // the gateway unreachable: a state worth reporting, not a failure
                    last.set(e.getCause() == null ? e.toString() : e.getCause().toString());
                    return false;
                }
                last.set(reply.status() + " " + abbreviate(reply.body().toString()));
                return state.equals(reply.body().path("state").asText());
            });
        } catch (ConditionTimeoutException e) {
            String events;
            try {
                events = EventsTopic.get(this).catchUp().getOrDefault(taskId, List.of()).stream()
                        .map(event -> event.getState() + "#" + event.getAttempt()).toList().toString();
            } catch (RuntimeException unread) {
                events = "not read (" + unread + ")";
            }
            throw new AssertionError("task " + taskId + " not " + state + " within " + within.toSeconds()
                    + " s; on task-events: " + events + "; gateway's last answer: " + last.get() + "; broker ready: "
                    + readiness(broker), e);
        }
    }

    private String readiness(ServiceProcess service) {
        try {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(service.url() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return ready.statusCode() + " " + abbreviate(ready.body().replaceAll("\\s+", " "));
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 400 ? text : text.substring(0, 400) + "...";
    }

    /**
     * The gateway's open listeners ({@code tasks_gateway_open_waits}: waiting submissions and event streams), so that a
     * test can tell when a stream it opened is listening.
     */
    double gatewayOpenListeners() {
        return get("/q/metrics").body().asText().lines().filter(l -> l.startsWith("tasks_gateway_open_waits "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1).strip())).findFirst().orElse(0);
    }

    Reply delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).DELETE());
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            return reply(http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Reply reply(HttpResponse<String> response) throws IOException {
        String body = response.body();
        JsonNode json;
        try {
            json = body == null || body.isBlank() ? JSON.nullNode() : JSON.readTree(body);
        } catch (IOException notJson) {
            json = JSON.getNodeFactory().textNode(body);
        }
        return new Reply(response.statusCode(), json, response);
    }
}

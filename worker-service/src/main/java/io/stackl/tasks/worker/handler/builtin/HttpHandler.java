package io.stackl.tasks.worker.handler.builtin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.kit.json.ExactJsonNumbers;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.worker.handler.HandlerOutcome;
import io.stackl.tasks.worker.handler.TaskContext;
import io.stackl.tasks.worker.handler.TaskHandler;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import io.stackl.tasks.worker.config.WorkerConfig;

/**
 * Topic {@code http}, FaaS-style: POSTs the task ({@code taskId, subtype, arguments, idempotencyKey, deadline}) to
 * {@code tasks.worker.http.url} with an {@code Idempotency-Key} header, within the task's deadline. 2xx is success
 * with the response body as output; 4xx a final failure {@code HTTP_<status>}; 5xx or no answer a retryable one.
 * Before calling, it records an undo entry; on rollback it POSTs that entry to {@code tasks.worker.http.undo-url}.
 */
@ApplicationScoped
public class HttpHandler implements TaskHandler {

    // Numbers exactly as the user wrote them, through to the history service.
    private static final ObjectMapper JSON = ExactJsonNumbers.newMapper();

    private final Optional<String> url;
    private final Optional<String> undoUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HttpHandler(WorkerConfig config) {
        this.url = config.http().url().filter(u -> !u.isBlank());
        this.undoUrl = config.http().undoUrl().filter(u -> !u.isBlank());
    }

    @Override
    public String topic() {
        return "http";
    }

    @Override
    public Set<String> subtypes() {
        return Set.of("*");
    }

    @Override
    public HandlerOutcome handle(TaskContext context) throws IOException, InterruptedException {
        if (url.isEmpty()) {
            return HandlerOutcome.failure("NOT_CONFIGURED", "tasks.worker.http.url is not set", false);
        }
        ObjectNode call = JSON.createObjectNode().put("taskId", context.taskId()).put("subtype", context.subtype())
                .put("idempotencyKey", context.idempotencyKey()).put("deadline", context.deadline().toString());
        call.set("arguments", context.arguments());
        if (undoUrl.isPresent()) {
            ObjectNode undo = call.deepCopy();
            undo.put("undoUrl", undoUrl.get());
            context.recordUndo(undo);
        }
        Duration left = Duration.between(Instant.now(), context.deadline());
        if (left.isNegative() || left.isZero()) {
            return HandlerOutcome.failure("DEADLINE", "no time left to call " + url.get(), false);
        }
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(url.get())).timeout(left)
                    .header("Content-Type", "application/json").header("Idempotency-Key", context.idempotencyKey())
                    .POST(HttpRequest.BodyPublishers.ofString(call.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return HandlerOutcome.failure("HTTP_UNREACHABLE", url.get() + ": " + e.getMessage(), true);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return HandlerOutcome.success(asJson(response.body()));
        }
        return HandlerOutcome.failure("HTTP_" + status, truncate(response.body()), status >= 500);
    }

    @Override
    public boolean compensate(JsonNode undo, String taskId) throws IOException, InterruptedException {
        return compensate(undo, taskId, taskId + ":undo");
    }

    @Override
    public boolean compensate(JsonNode undo, String taskId, String undoIdempotencyKey)
            throws IOException, InterruptedException {
        String target = undo.path("undoUrl").asText(undoUrl.orElse(""));
        if (target.isEmpty()) {
            return false;
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(target))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Idempotency-Key", undoIdempotencyKey).POST(HttpRequest.BodyPublishers.ofString(undo.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() / 100 == 2;
    }

    private static String asJson(String body) {
        if (body == null || body.isBlank()) {
            return "null";
        }
        try {
            return JSON.readTree(body).toString();
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(body).toString();
        }
    }

    private static String truncate(String body) {
        return body == null ? "" : body.length() > 500 ? body.substring(0, 500) + "..." : body;
    }
}

package io.stackl.tasks.worker.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.kit.json.ExactJsonNumbers;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.worker.handler.TaskContext;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The history service's document and undo API, as the worker's handlers use it. Waits and retries while the history
 * service answers 503 (it has not yet seen the task dispatched), up to the task's deadline; a 409 means the task may
 * no longer write (sealed, superseded, key not declared) and is final.
 */
public final class HistoryClient {

    private static final Logger LOG = Logger.getLogger(HistoryClient.class);
    // Numbers exactly as the user wrote them, through to the history service.
    private static final ObjectMapper JSON = ExactJsonNumbers.newMapper();
    /** The first wait after a 503; it doubles with each one after it. */
    private static final long FIRST_RETRY_MS = 5;
    /** The longest wait, per second of the answer's Retry-After. */
    private static final long MAX_RETRY_MS = 200;
    /** The document {@link #warmUp} reads; whether it exists does not matter. */
    static final String WARM_UP_KEY = "stackl/worker-warm-up";
    static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(5);

    private final String baseUrl;
    /** {@code Bearer <the workers' service token>}: the history service's internal API answers no one without it. */
    private final String authorization;
    /** Until when to write one change at a time: an older history service answered that it has no batch endpoint. */
    private volatile Instant writesEndpointMissingUntil = Instant.MIN;
    /** How long that answer is believed: a rolling upgrade may bring the endpoint any moment. */
    private static final Duration ASK_AGAIN_AFTER = Duration.ofMinutes(1);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public HistoryClient(String baseUrl, String serviceToken) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        // Stripped as the history service strips it: a Secret made from a file ends in a newline.
        this.authorization = "Bearer " + serviceToken.strip();
    }

    /** The history service refused a write for good; the message is its problem detail. */
    public static final class WriteRefusedException extends RuntimeException {
        private final String problemType;

        public WriteRefusedException(String problemType, String detail) {
            super(detail);
            this.problemType = problemType;
        }

        public String problemType() {
            return problemType;
        }
    }

    /**
     * Reads a document that need not exist, once, at start-up: the first task's write then does not also pay for this
     * client's first request and the history service's (classes loaded, a connection opened and kept for a while, the
     * document read path run once). Best effort, bounded by the connect and request timeouts: a history service that
     * is not up yet is simply not warmed up. A refused token is worth a warning, since every write would be refused.
     */
    public void warmUp() {
        try {
            HttpRequest request = HttpRequest.newBuilder(documentUri(WARM_UP_KEY)).timeout(WARM_UP_TIMEOUT)
                    .header("Authorization", authorization).GET().build();
            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 401 || status == 403) {
                LOG.warnf("the history service at %s refused the workers' service token (%d): every document write"
                        + " will be refused until it is set right", baseUrl, status);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("history service not warmed up: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public JsonNode get(String key) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(documentUri(key)).GET(), Instant.MAX);
        if (response.statusCode() == 404) {
            return null;
        }
        JsonNode document = parse(response);
        // `value` is the stored JSON itself (ADR 0013); a history service of the previous release sends only the string.
        JsonNode value = document.get("value");
        return value != null ? value : parseValue(document.path("valueJson").asText());
    }

    /**
     * @param executionId this run of the work item: the history service lets only the first run of an attempt write,
     *     so a redelivered copy running beside (or after) it cannot apply its changes twice
     */
    public long put(String key, String taskId, long fencingToken, String executionId, JsonNode value,
            Instant deadline) {
        ObjectNode body = JSON.createObjectNode().put("taskId", taskId).put("fencingToken", fencingToken)
                .put("executionId", executionId);
        body.set("value", value);
        HttpResponse<String> response = send(HttpRequest.newBuilder(documentUri(key))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())), deadline);
        return parse(response).path("version").asLong();
    }

    /**
     * Several changes in one call and one transaction, all or none ({@code POST /tasks/{id}/document-writes}).
     * Returns each change's new version (null for a delete), or null when the history service is older than that
     * endpoint: the caller then writes one change at a time (a rolling upgrade may update workers first), and this
     * client does not ask again for a minute.
     */
    public List<Long> writeAll(String taskId, long fencingToken, String executionId,
            List<TaskContext.DocumentChange> changes, Instant deadline) {
        if (Instant.now().isBefore(writesEndpointMissingUntil)) {
            return null;
        }
        ObjectNode body = JSON.createObjectNode().put("fencingToken", fencingToken).put("executionId", executionId);
        ArrayNode list = body.putArray("changes");
        for (TaskContext.DocumentChange change : changes) {
            ObjectNode item = list.addObject().put("key", change.key());
            if (change.isDelete()) {
                item.put("delete", true);
            } else {
                item.set("value", change.value());
            }
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                URI.create(baseUrl + "/tasks/" + encode(taskId) + "/document-writes"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), deadline);
        if (response.statusCode() == 404 || response.statusCode() == 405) {
            writesEndpointMissingUntil = Instant.now().plus(ASK_AGAIN_AFTER);
            return null;
        }
        List<Long> versions = new ArrayList<>(changes.size());
        for (JsonNode result : parse(response).path("results")) {
            versions.add(result.path("version").isNull() ? null : result.path("version").asLong());
        }
        if (versions.size() != changes.size()) {
            throw new IllegalStateException("the history service answered " + versions.size() + " results for "
                    + changes.size() + " changes");
        }
        return versions;
    }

    public void delete(String key, String taskId, long fencingToken, String executionId, Instant deadline) {
        URI uri = URI.create(documentUri(key) + "?taskId=" + encode(taskId) + "&fencingToken=" + fencingToken
                + "&executionId=" + encode(executionId));
        parse(send(HttpRequest.newBuilder(uri).DELETE(), deadline));
    }

    public void recordUndo(String taskId, long fencingToken, String executionId, String topic, String subtype,
            JsonNode undo, Instant deadline) {
        ObjectNode body = JSON.createObjectNode().put("fencingToken", fencingToken).put("executionId", executionId)
                .put("handlerTopic", topic)
                .put("handlerSubtype", subtype);
        body.set("undo", undo);
        parse(send(HttpRequest.newBuilder(URI.create(baseUrl + "/tasks/" + encode(taskId) + "/undo-records"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), deadline));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, Instant deadline) {
        HttpRequest built = request.timeout(Duration.ofSeconds(10)).header("Authorization", authorization).build();
        // The broker sends the work item and the DISPATCHED event in one transaction, so the worker's first write can
        // race the history service's reading of that event by a few milliseconds (17 of 3,260 writes in a benchmark
        // run): try again soon, then back off towards what Retry-After allows (a history service catching up after a
        // restart can take seconds).
        long backoffMs = FIRST_RETRY_MS;
        while (true) {
            HttpResponse<String> response;
            try {
                response = http.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException("the history service at " + baseUrl + " did not answer: "
                        + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted (the task's deadline passed)", e);
            }
            if (response.statusCode() != 503) {
                return response;
            }
            long longestMs = MAX_RETRY_MS * Long.parseLong(response.headers().firstValue("Retry-After").orElse("1"));
            long waitMs = Math.min(backoffMs, longestMs);
            backoffMs = Math.min(backoffMs * 2, longestMs);
            if (Instant.now().plusMillis(waitMs).isAfter(deadline)) {
                throw new IllegalStateException("the history service stayed unavailable until the task's deadline: "
                        + response.body());
            }
            try {
                Thread.sleep(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted (the task's deadline passed)", e);
            }
        }
    }

    private static JsonNode parse(HttpResponse<String> response) {
        JsonNode body;
        try {
            body = JSON.readTree(response.body() == null || response.body().isEmpty() ? "{}" : response.body());
        } catch (IOException e) {
            throw new IllegalStateException("the history service answered " + response.statusCode()
                    + " with a body that is not JSON", e);
        }
        // 409: the fence refused the write; 400: the content cannot be stored. Neither changes by trying again.
        if (response.statusCode() == 409 || response.statusCode() == 400) {
            throw new WriteRefusedException(body.path("type").asText(), body.path("detail").asText());
        }
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("the history service answered " + response.statusCode() + ": "
                    + body.path("detail").asText(response.body()));
        }
        return body;
    }

    private static JsonNode parseValue(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("a stored document is not JSON", e);
        }
    }

    private URI documentUri(String key) {
        // Keys may contain '/', which the history service's path accepts as is; everything else is encoded.
        StringBuilder path = new StringBuilder();
        for (String segment : key.split("/", -1)) {
            if (path.length() > 0) {
                path.append('/');
            }
            path.append(encode(segment));
        }
        return URI.create(baseUrl + "/documents/" + path);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

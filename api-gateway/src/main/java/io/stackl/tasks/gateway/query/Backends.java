package io.stackl.tasks.gateway.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** Reads from the broker (live state) and the history service (ended tasks, listings, documents), asynchronously. */
@ApplicationScoped
public class Backends {

    /** What the gateway answers in a backend's place when it does not answer at all. */
    private static final Answer BACKEND_DOWN = backendDown();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String brokerUrl;
    private final String historyUrl;
    private final String brokerAuthorization;
    private final String historyAuthorization;

    Backends(GatewayConfig config) {
        this.brokerUrl = trim(config.brokerUrl());
        this.historyUrl = trim(config.historyUrl());
        // Stripped as the called service strips them: a Secret made from a file ends in a newline.
        this.brokerAuthorization = "Bearer " + config.brokerToken().strip();
        this.historyAuthorization = "Bearer " + config.historyToken().strip();
    }

    /** A backend's answer, passed on as it is (status, content type, body). */
    public record Answer(int status, String contentType, String body) {}

    public CompletionStage<Answer> broker(String pathAndQuery) {
        return get(brokerUrl + pathAndQuery, brokerAuthorization);
    }

    public CompletionStage<Answer> history(String pathAndQuery) {
        return get(historyUrl + pathAndQuery, historyAuthorization);
    }

    /** {@code authorization} is the gateway's service token for that backend's internal API. */
    private CompletionStage<Answer> get(String url, String authorization) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", authorization).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Answer(r.statusCode(), r.headers().firstValue("Content-Type")
                        .orElse("application/json"), r.body()))
                .exceptionally(e -> BACKEND_DOWN);
    }

    private static Answer backendDown() {
        Problem down = Problem.unavailable("a backend did not answer; retry");
        try {
            return new Answer(503, Problem.MEDIA_TYPE, new ObjectMapper().writeValueAsString(
                    Problem.body(down.status(), down.type(), down.title(), down.getMessage(), null, down.extras())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String trim(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

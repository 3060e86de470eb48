package io.stackl.tasks.kit.problem;

import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refusal with its RFC 9457 problem type, thrown from anywhere in a request and rendered by {@link ProblemMapper}
 * as {@code application/problem+json}. Each service names its own refusals in a subclass of static factories, so
 * that a problem type is spelled in one place.
 */
public class Problem extends RuntimeException {

    public static final String MEDIA_TYPE = "application/problem+json";

    private final int status;
    private final String type;
    private final String title;
    private final Map<String, Object> extras;
    private final Integer retryAfterSeconds;

    /**
     * @param extras members added to the body after the standard ones (e.g. {@code taskId})
     * @param retryAfterSeconds sent as {@code Retry-After} when not null (503: when to try again)
     */
    public Problem(int status, String type, String title, String detail, Map<String, Object> extras,
            Integer retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.extras = extras;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Problem(int status, String type, String title, String detail, Map<String, Object> extras) {
        this(status, type, title, detail, extras, null);
    }

    public static Problem unavailable(String detail) {
        return new Problem(503, "/problems/temporarily-unavailable", "Temporarily unavailable", detail, Map.of(), 1);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extras() {
        return extras;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** This problem as a response to the request for {@code instance} (the request's path). */
    public Response.ResponseBuilder toResponse(String instance) {
        Response.ResponseBuilder response = response(status, type, title, getMessage(), instance, extras);
        if (retryAfterSeconds != null) {
            response.header("Retry-After", retryAfterSeconds);
        }
        return response;
    }

    /** A problem+json response: {@code type, title, status, detail, instance}, then {@code extras} in their order. */
    public static Response.ResponseBuilder response(int status, String type, String title, String detail,
            String instance, Map<String, Object> extras) {
        return Response.status(status).type(MEDIA_TYPE).entity(body(status, type, title, detail, instance, extras));
    }

    public static Map<String, Object> body(int status, String type, String title, String detail, String instance,
            Map<String, Object> extras) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (instance != null) {
            body.put("instance", instance);
        }
        body.putAll(extras);
        return body;
    }
}

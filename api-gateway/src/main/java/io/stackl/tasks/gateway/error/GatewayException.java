package io.stackl.tasks.gateway.error;

import java.util.Map;

/** A refusal with its RFC 9457 problem type; {@code ProblemMapper} renders it. */
public class GatewayException extends RuntimeException {

    private final int status;
    private final String type;
    private final String title;
    private final Map<String, Object> extras;
    private final Integer retryAfterSeconds;

    public GatewayException(int status, String type, String title, String detail, Map<String, Object> extras,
            Integer retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.extras = extras;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static GatewayException invalid(String detail, Map<String, Object> extras) {
        return new GatewayException(400, "/problems/invalid-task", "Invalid task", detail, extras, null);
    }

    public static GatewayException notFound(String taskId) {
        return new GatewayException(404, "/problems/task-not-found", "Task not found",
                "No task " + taskId + " is known to the broker or the history service", Map.of("taskId", taskId), null);
    }

    public static GatewayException unavailable(String detail) {
        return new GatewayException(503, "/problems/temporarily-unavailable", "Temporarily unavailable", detail,
                Map.of(), 1);
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
}

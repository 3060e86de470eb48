package io.stackl.tasks.gateway.error;

import io.stackl.tasks.kit.problem.Problem;
import java.util.Map;

/**
 * The gateway's refusals, each with its RFC 9457 problem type; the service kit's {@code ProblemMapper} renders
 * them.
 */
public class GatewayException extends Problem {

    public GatewayException(int status, String type, String title, String detail, Map<String, Object> extras,
            Integer retryAfterSeconds) {
        super(status, type, title, detail, extras, retryAfterSeconds);
    }

    public static GatewayException invalid(String detail, Map<String, Object> extras) {
        return new GatewayException(400, "/problems/invalid-task", "Invalid task", detail, extras, null);
    }

    public static GatewayException notFound(String taskId) {
        return new GatewayException(404, "/problems/task-not-found", "Task not found",
                "No task " + taskId + " is known to the broker or the history service", Map.of("taskId", taskId), null);
    }
}

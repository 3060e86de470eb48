package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * The gateway refused a call with an RFC 9457 problem: {@link #type()} is the stable name to branch on
 * ({@code /problems/invalid-task}, {@code /problems/task-not-found}, ...), {@link #detail()} the sentence for people,
 * {@link #field()} the request field at fault where there is one. Subclasses group the statuses a program handles
 * differently; any other status is this class itself.
 */
public class ProblemException extends StacklException {

    private final int status;
    private final String type;
    private final String title;
    private final String detail;
    private final transient JsonNode body;
    private final Duration retryAfter;

    public ProblemException(int status, String type, String title, String detail, JsonNode body, Duration retryAfter) {
        super(status + " " + (type == null ? "" : type + ": ") + (detail != null ? detail : title));
        this.status = status;
        this.type = type;
        this.title = title;
        this.detail = detail;
        this.body = body;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    /** The problem type, a path such as {@code /problems/invalid-task}; null if the answer was not problem+json. */
    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return detail;
    }

    /** The field of the request that was refused ({@code timeoutMs}, {@code retryPolicy.maxAttempts}), if named. */
    public String field() {
        return body == null ? null : Json.text(body, "field");
    }

    /** The whole problem body, with its {@code errors[]} and other members; null if there was none. */
    public JsonNode body() {
        return body;
    }

    /** The server's {@code Retry-After}, if it sent one. */
    public Duration retryAfter() {
        return retryAfter;
    }

    static ProblemException of(int status, JsonNode body, Duration retryAfter) {
        String type = body == null ? null : Json.text(body, "type");
        String title = body == null ? null : Json.text(body, "title");
        String detail = body == null ? null : Json.text(body, "detail");
        return switch (status) {
            case 400, 413, 422 -> new InvalidRequestException(status, type, title, detail, body, retryAfter);
            case 401, 403 -> new AuthenticationException(status, type, title, detail, body, retryAfter);
            case 404 -> new NotFoundException(status, type, title, detail, body, retryAfter);
            case 503 -> new UnavailableException(status, type, title, detail, body, retryAfter);
            default -> new ProblemException(status, type, title, detail, body, retryAfter);
        };
    }
}

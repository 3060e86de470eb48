package io.stackl.tasks.kit.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error of every service as RFC 9457 {@code application/problem+json}: a {@link Problem} as it says, an
 * unknown path, method or media type by its status, anything else as a logged 500. Never a class name or a stack
 * trace in the body.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response problem(Problem e, UriInfo uri) {
        LOG.debugf("refused %s: %s", uri.getPath(), e.getMessage());
        return e.toResponse(uri.getPath()).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonParseException unparsable) {
            // Quarkus wraps a body that is not JSON at all in a plain 400.
            return unparsable(unparsable, uri);
        }
        if (e.getCause() instanceof MismatchedInputException mismatched) {
            return mismatchedInput(mismatched, uri);
        }
        if (status >= 500) {
            return internalError(e, uri);
        }
        String type = switch (status) {
            case 404 -> "/problems/not-found";
            case 405 -> "/problems/method-not-allowed";
            case 413 -> "/problems/body-too-large";
            case 415 -> "/problems/unsupported-media-type";
            default -> "/problems/invalid-request";
        };
        String detail = status == 400 ? "The request body is not valid JSON for this endpoint" : e.getMessage();
        return Problem.response(status, type, e.getResponse().getStatusInfo().getReasonPhrase(), detail,
                uri.getPath(), Map.of()).build();
    }

    /**
     * A body that is JSON of the wrong shape: an array where an object belongs, a string for a number. Quarkus' own
     * mapper answers it with an empty 400 outside dev mode; this names the field and what it must be, in the words
     * of JSON rather than Java types.
     */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        String field = field(e);
        String expected = "must be " + jsonKind(e.getTargetType());
        String detail = field.isEmpty() ? "The body " + expected
                : field + " " + expected + (e instanceof InvalidFormatException bad && bad.getValue() != null
                        ? ", was " + quoted(bad.getValue()) : "");
        String named = field.isEmpty() ? "body" : field;
        return Problem.response(400, "/problems/invalid-request", "Invalid request", detail, uri.getPath(),
                Map.of("field", named, "errors", List.of(Map.of("field", named, "message", expected)))).build();
    }

    /**
     * A body that is not JSON at all: where the parser stopped. Only the place: Jackson's own message can name its
     * input source and quote the body.
     */
    @ServerExceptionMapper
    public Response unparsable(JsonParseException e, UriInfo uri) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return Problem.response(400, "/problems/invalid-request", "Invalid request",
                "The body is not valid JSON" + where, uri.getPath(), Map.of()).build();
    }

    /** Any other body Jackson could not bind. */
    @ServerExceptionMapper
    public Response unreadable(JsonProcessingException e, UriInfo uri) {
        LOG.debugf(e, "unreadable body for %s", uri.getPath());
        return Problem.response(400, "/problems/invalid-request", "Invalid request",
                "The request body is not valid JSON for this endpoint", uri.getPath(), Map.of()).build();
    }

    /** The path of the offending value, as a client writes it: {@code retryPolicy.maxAttempts}, {@code keys[2]}. */
    static String field(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference step : e.getPath()) {
            if (step.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(step.getFieldName());
            } else if (step.getIndex() >= 0) {
                path.append('[').append(step.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    static String jsonKind(Class<?> type) {
        if (type == null || JsonNode.class.isAssignableFrom(type)) {
            return "another kind of JSON value";
        }
        if (type == String.class || type == Character.class || type == char.class || type.isEnum()) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != void.class)) {
            return "a number";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    /** The refused value as the client sent it, cut to 64 characters: enough to recognise, not an echo of a body. */
    private static String quoted(Object value) {
        String text = String.valueOf(value);
        text = text.length() > 64 ? text.substring(0, 64) + "…" : text;
        return value instanceof String ? "\"" + text + "\"" : text;
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        return internalError(e, uri);
    }

    private static Response internalError(RuntimeException e, UriInfo uri) {
        LOG.errorf(e, "request failed: %s", uri.getPath());
        return Problem.response(500, "/problems/internal-error", "Internal error", "The request failed; it was logged",
                uri.getPath(), Map.of()).build();
    }
}

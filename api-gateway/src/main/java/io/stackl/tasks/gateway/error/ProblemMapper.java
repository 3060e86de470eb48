package io.stackl.tasks.gateway.error;

import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error as RFC 9457 {@code application/problem+json}; never a class name or a stack trace. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response gateway(GatewayException e, UriInfo uri) {
        LOG.debugf("refused %s: %s", uri.getPath(), e.getMessage());
        Response.ResponseBuilder response = problem(e.status(), e.type(), e.title(), e.getMessage(), uri, e.extras());
        if (e.retryAfterSeconds() != null) {
            response.header("Retry-After", e.retryAfterSeconds());
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, UriInfo uri) {
        List<Map<String, String>> errors = e.getConstraintViolations().stream()
                .map(v -> Map.of("field", leaf(v.getPropertyPath().toString()), "message", v.getMessage())).toList();
        return problem(400, "/problems/invalid-task", "Invalid task", errors.size() + " field(s) are invalid", uri,
                Map.of("errors", errors)).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.errorf(e, "request failed: %s", uri.getPath());
            return problem(500, "/problems/internal-error", "Internal error", "The request failed; it was logged", uri,
                    Map.of()).build();
        }
        String type = status == 413 ? "/problems/body-too-large" : status == 415 ? "/problems/unsupported-media-type"
                : status == 404 ? "/problems/not-found" : status == 405 ? "/problems/method-not-allowed"
                : "/problems/invalid-request";
        return problem(status, type, e.getResponse().getStatusInfo().getReasonPhrase(),
                status == 400 ? "The request body is not valid JSON for this endpoint" : e.getMessage(), uri, Map.of())
                .build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        LOG.errorf(e, "request failed: %s", uri.getPath());
        return problem(500, "/problems/internal-error", "Internal error", "The request failed; it was logged", uri,
                Map.of()).build();
    }

    private static Response.ResponseBuilder problem(int status, String type, String title, String detail, UriInfo uri,
            Map<String, Object> extras) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("instance", uri.getPath());
        body.putAll(extras);
        return Response.status(status).type("application/problem+json").entity(body);
    }

    private static String leaf(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }
}

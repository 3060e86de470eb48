package io.stackl.tasks.history.error;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error as RFC 9457 {@code application/problem+json}; never a class name or a stack trace. */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response history(HistoryException e, UriInfo uri) {
        LOG.debugf("refused %s: %s", uri.getPath(), e.getMessage());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", e.type());
        body.put("title", e.title());
        body.put("status", e.status());
        body.put("detail", e.getMessage());
        body.put("instance", uri.getPath());
        body.putAll(e.extras());
        Response.ResponseBuilder response = Response.status(e.status()).type("application/problem+json").entity(body);
        if (e.retryAfterSeconds() != null) {
            response.header("Retry-After", e.retryAfterSeconds());
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        if (e instanceof jakarta.ws.rs.WebApplicationException web && web.getResponse().getStatus() < 500) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", "/problems/invalid-request");
            body.put("title", "Invalid request");
            body.put("status", web.getResponse().getStatus());
            body.put("detail", web.getMessage());
            body.put("instance", uri.getPath());
            return Response.status(web.getResponse().getStatus()).type("application/problem+json").entity(body).build();
        }
        LOG.errorf(e, "request failed: %s", uri.getPath());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "/problems/internal-error");
        body.put("title", "Internal error");
        body.put("status", 500);
        body.put("detail", "The history service could not complete the request; it was logged");
        body.put("instance", uri.getPath());
        return Response.status(500).type("application/problem+json").entity(body).build();
    }
}

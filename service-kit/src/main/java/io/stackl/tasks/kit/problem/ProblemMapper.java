package io.stackl.tasks.kit.problem;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
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

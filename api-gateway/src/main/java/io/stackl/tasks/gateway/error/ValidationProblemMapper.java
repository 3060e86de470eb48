package io.stackl.tasks.gateway.error;

import io.stackl.tasks.kit.problem.Problem;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A submission that fails its bean-validation constraints: 400 {@code /problems/invalid-task} with one
 * {@code errors[]} entry per field. Every other error is rendered by the service kit's {@code ProblemMapper}.
 */
public class ValidationProblemMapper {

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, UriInfo uri) {
        List<Map<String, String>> errors = e.getConstraintViolations().stream()
                .map(v -> Map.of("field", leaf(v.getPropertyPath().toString()), "message", v.getMessage())).toList();
        return Problem.response(400, "/problems/invalid-task", "Invalid task", errors.size() + " field(s) are invalid",
                uri.getPath(), Map.of("errors", errors)).build();
    }

    private static String leaf(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }
}

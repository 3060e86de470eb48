package io.stackl.tasks.gateway.error;

import io.stackl.tasks.kit.problem.Problem;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
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
                .map(v -> Map.of("field", field(v.getPropertyPath()), "message", v.getMessage())).toList();
        return Problem.response(400, "/problems/invalid-task", "Invalid task", errors.size() + " field(s) are invalid",
                uri.getPath(), Map.of("errors", errors)).build();
    }

    /**
     * The field as a client names it: the path inside the body ({@code retryPolicy.maxAttempts}), without the Java
     * method and parameter; for a violation of a parameter itself (a query parameter), the parameter's name.
     */
    static String field(Path path) {
        List<String> inBody = new ArrayList<>();
        String parameter = null;
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.PARAMETER) {
                parameter = node.getName();
            } else if (node.getKind() == ElementKind.PROPERTY || node.getKind() == ElementKind.CONTAINER_ELEMENT) {
                inBody.add(node.getName() + (node.getIndex() == null ? "" : "[" + node.getIndex() + "]"));
            }
        }
        return inBody.isEmpty() ? String.valueOf(parameter) : String.join(".", inBody);
    }
}

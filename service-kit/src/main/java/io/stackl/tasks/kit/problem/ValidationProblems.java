package io.stackl.tasks.kit.problem;

import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Bean-validation failures as problem+json, one {@code errors[]} entry per field. A static helper, not a mapper: only
 * the services that validate (the gateway and the history service) carry Hibernate Validator, and each registers its
 * own two-line {@code @ServerExceptionMapper} that calls this. Without one, Quarkus answers a violation with its own
 * {@code application/json} "Constraint Violation" body.
 */
public final class ValidationProblems {

    private ValidationProblems() {}

    public static Response response(ConstraintViolationException e, String instance, String type, String title) {
        List<Map<String, String>> errors = e.getConstraintViolations().stream()
                .map(v -> Map.of("field", field(v.getPropertyPath()), "message", v.getMessage())).toList();
        String detail = errors.size() == 1
                ? errors.get(0).get("field") + " " + errors.get(0).get("message")
                : errors.size() + " fields are invalid";
        return Problem.response(400, type, title, detail, instance, Map.of("errors", errors)).build();
    }

    /**
     * The field as a client names it: the path inside the body ({@code retryPolicy.maxAttempts}), without the Java
     * method and parameter; for a violation of a parameter itself (a query parameter), the parameter's name.
     */
    public static String field(Path path) {
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

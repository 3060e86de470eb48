package io.stackl.tasks.gateway.error;

import io.stackl.tasks.kit.problem.ValidationProblems;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A submission that fails its bean-validation constraints: 400 {@code /problems/invalid-task} with one
 * {@code errors[]} entry per field. Every other error is rendered by the service kit's {@code ProblemMapper}.
 */
public class ValidationProblemMapper {

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, UriInfo uri) {
        return ValidationProblems.response(e, uri.getPath(), "/problems/invalid-task", "Invalid task");
    }
}

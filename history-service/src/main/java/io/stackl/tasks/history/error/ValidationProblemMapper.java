package io.stackl.tasks.history.error;

import io.stackl.tasks.kit.problem.ValidationProblems;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A query parameter out of its bounds ({@code limit} over 500, say): 400 {@code /problems/invalid-request} naming it,
 * as problem+json like every other refusal (the gateway passes it on as it is).
 */
public class ValidationProblemMapper {

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, UriInfo uri) {
        return ValidationProblems.response(e, uri.getPath(), "/problems/invalid-request", "Invalid request");
    }
}

package io.stackl.tasks.broker.resource;

import io.stackl.tasks.broker.query.StoreQueries.Answer;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.function.Supplier;

/** An interactive query's answer as HTTP: 200, the owner's answer passed on, the caller's not-found, or 503. */
final class Answers {

    private Answers() {}

    /** @param unavailableTitle the problem's title when the owner cannot answer now */
    static <T> Response toResponse(Answer<T> answer, Supplier<Response> notFound, String unavailableTitle, String path,
            Map<String, Object> extras) {
        if (answer instanceof Answer.Found<T> found) {
            return Response.ok(found.value()).build();
        }
        if (answer instanceof Answer.Remote<T> remote) {
            return Response.status(remote.status()).entity(remote.body())
                    .type(remote.status() == 200 ? MediaType.APPLICATION_JSON : Problem.MEDIA_TYPE).build();
        }
        if (answer instanceof Answer.NotFound<T>) {
            return notFound.get();
        }
        Answer.Unavailable<T> unavailable = (Answer.Unavailable<T>) answer;
        return unavailable(unavailableTitle, unavailable.why(), path, extras);
    }

    static Response unavailable(String title, String why, String path, Map<String, Object> extras) {
        return Problem.response(503, "/problems/task-state-unavailable", title, why, path, extras)
                .header("Retry-After", "1").build();
    }
}

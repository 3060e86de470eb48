package io.stackl.tasks.kit.problem;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body declared larger than {@code quarkus.http.limits.max-body-size}: 413 as problem+json, saying the limit.
 * Vert.x refuses such a request before any JAX-RS code runs, with an empty body, so the check is a route that runs
 * ahead of it and looks at {@code Content-Length}. (A chunked body without a length that grows past the limit is still
 * cut off by Vert.x with an empty 413: its size is known only while it is read.)
 */
@ApplicationScoped
public class BodyTooLargeRoute {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<MemorySize> limit;

    BodyTooLargeRoute(@ConfigProperty(name = "quarkus.http.limits.max-body-size") Optional<MemorySize> limit) {
        this.limit = limit;
    }

    void install(@Observes Router router) {
        if (limit.isEmpty()) {
            return;
        }
        long max = limit.get().asLongValue();
        router.route().order(-3).handler(ctx -> {
            String declared = ctx.request().getHeader("Content-Length");
            long length = -1;
            if (declared != null) {
                try {
                    length = Long.parseLong(declared.strip());
                } catch (NumberFormatException unreadable) {
                    length = -1; // Vert.x refuses it as a bad request itself.
                }
            }
            if (length <= max) {
                ctx.next();
                return;
            }
            Map<String, Object> body = Problem.body(413, "/problems/body-too-large", "Request body too large",
                    "The body is " + length + " bytes; at most " + max + " are accepted", ctx.request().path(),
                    Map.of("maxBodyBytes", max));
            try {
                ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE)
                        .putHeader("Connection", "close").end(JSON.writeValueAsString(body));
            } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
                ctx.fail(impossible);
            }
        });
    }
}

package io.stackl.tasks.gateway.resource;

import io.smallrye.common.annotation.Blocking;
import io.stackl.tasks.gateway.error.GatewayException;
import io.stackl.tasks.gateway.messaging.DeadLetterReader;
import io.stackl.tasks.gateway.resource.api.ApiSchemas;
import io.stackl.tasks.gateway.security.Caller;
import io.stackl.tasks.gateway.security.Permissions;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The newest records on {@code task-dead-letters}, with why each is there. Reading them changes nothing. */
@Path("/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {

    static final int MAX_LIMIT = 200;

    private final DeadLetterReader reader;
    private final Permissions permissions;

    DeadLetterResource(DeadLetterReader reader, Permissions permissions) {
        this.reader = reader;
        this.permissions = permissions;
    }

    @GET
    @Blocking
    @Operation(summary = "The newest dead letters, newest first", description = "The start of each value only for a"
            + " client that may submit every topic (`*`); for others `valueEncoding` is `withheld`.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = ApiSchemas.DeadLetter.class)))
    @APIResponse(responseCode = "503", description = "/problems/temporarily-unavailable: Kafka did not answer in time, or another"
            + " reading is under way", content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    @APIResponse(responseCode = "400", description = "/problems/invalid-request: limit out of 1 to 200",
            content = @Content(mediaType = "application/problem+json",
                    schema = @Schema(implementation = ApiSchemas.Problem.class)))
    public List<DeadLetterReader.DeadLetter> newest(
            @Parameter(description = "1 to 200, default 50") @QueryParam("limit") @DefaultValue("50") String limit,
            @Context ContainerRequestContext request) {
        Caller caller = permissions.caller(request);
        List<DeadLetterReader.DeadLetter> letters;
        try {
            letters = reader.newest(limit(limit));
        } catch (DeadLetterReader.UnavailableException e) {
            throw Problem.unavailable(e.getMessage());
        }
        // Dead letters carry records of every topic: their values only for a client that may read them all.
        return permissions.mayReadAllPayloads(caller) ? letters
                : letters.stream().map(DeadLetterReader.DeadLetter::withoutPreview).toList();
    }

    private static int limit(String text) {
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // Answered below.
        }
        String message = "must be a whole number from 1 to " + MAX_LIMIT + ", was " + text;
        throw new GatewayException(400, "/problems/invalid-request", "Invalid request", "limit " + message,
                Map.of("field", "limit", "errors", List.of(Map.of("field", "limit", "message", message))), null);
    }
}

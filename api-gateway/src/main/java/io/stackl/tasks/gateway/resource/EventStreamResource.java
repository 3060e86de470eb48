package io.stackl.tasks.gateway.resource;

import io.smallrye.mutiny.Multi;
import io.stackl.tasks.gateway.messaging.TaskEventHub;
import io.stackl.tasks.gateway.security.Permissions;
import io.stackl.tasks.schema.TaskEvent;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import io.stackl.tasks.gateway.resource.api.ApiSchemas;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** The lifecycle events of every task as they happen ({@code stackl tail}): a live view, not a replay. */
@Path("/events")
public class EventStreamResource {

    /**
     * Events a slow reader may fall behind by before its stream is ended (it reconnects and goes on from now). Events
     * here carry no {@code output}, so each is a few hundred bytes: a stalled reader holds at most about a megabyte.
     */
    static final int BUFFERED_EVENTS = 2_000;

    private final TaskEventHub hub;
    private final Permissions permissions;

    EventStreamResource(TaskEventHub hub, Permissions permissions) {
        this.hub = hub;
        this.permissions = permissions;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every task's lifecycle events as Server-Sent Events, from now on",
            description = "Optionally only those of one task topic or source. Events are not replayed: the stream"
                    + " starts with the next event. Events carry no output (read it from GET /tasks/{id}/result)."
                    + " A reader"
                    + " more than 2,000 events behind is disconnected.")
    @APIResponse(responseCode = "200", description = "One event per state change of any task", content = @Content(
            mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(implementation = ApiSchemas.Event.class)))
    public Multi<String> events(
            @Parameter(description = "only tasks of this topic") @QueryParam("topic") String topic,
            @Parameter(description = "only tasks of this source") @QueryParam("source") String source,
            @Context ContainerRequestContext request) {
        permissions.caller(request);
        return Multi.createFrom().<String>emitter(emitter -> {
            AutoCloseable listening = hub.listenToAll(event -> {
                if (matches(event, topic, source)) {
                    emitter.emit(EventJson.of(event, false));
                }
            });
            emitter.onTermination(() -> {
                try {
                    listening.close();
                } catch (Exception ignored) {
                    // Nothing to do.
                }
            });
        }).onOverflow().buffer(BUFFERED_EVENTS);
    }

    private static boolean matches(TaskEvent event, String topic, String source) {
        return (topic == null || topic.equals(event.getTopic()))
                && (source == null || source.equals(event.getSource()));
    }
}

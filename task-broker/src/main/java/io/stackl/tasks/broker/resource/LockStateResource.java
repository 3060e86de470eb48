package io.stackl.tasks.broker.resource;

import io.stackl.tasks.kit.internal.CalledBy;
import io.smallrye.common.annotation.Blocking;
import io.stackl.tasks.broker.query.LockStateQuery;
import io.stackl.tasks.broker.query.LockView;
import io.stackl.tasks.broker.query.StoreQueries;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Document locks, live: {@code GET /locks/{key}} (who holds the key, who waits behind it, since when) and
 * {@code GET /locks?limit=} (the keys whose first waiter has waited longest, then the longest held), on any instance.
 */
@Path("/locks")
@Produces(MediaType.APPLICATION_JSON)
@CalledBy({"gateway", "peer"})
public class LockStateResource {

    /** The most keys one listing returns. */
    static final int MAX_LIMIT = 500;

    private final LockStateQuery query;
    private final StoreQueries queries;

    LockStateResource(LockStateQuery query, StoreQueries queries) {
        this.query = query;
        this.queries = queries;
    }

    @GET
    @Path("/{key: .+}")
    public CompletionStage<Response> get(@PathParam("key") String key,
            @QueryParam("local") @DefaultValue("false") boolean local, @Context UriInfo uri) {
        return query.find(key, local).thenApply(answer -> Answers.toResponse(answer,
                // Nobody holds or waits for it: the store keeps no entry for a free key.
                () -> Response.ok(LockView.free(key, queries.self())).build(), "Lock state temporarily unavailable",
                uri.getPath(), Map.of("key", key)));
    }

    @GET
    @Blocking // reads the local lock store from end to end
    public CompletionStage<Response> list(@QueryParam("limit") @DefaultValue("50") String limitText,
            @QueryParam("local") @DefaultValue("false") boolean local, @Context UriInfo uri) {
        Integer limit = limit(limitText);
        if (limit == null) {
            String message = "must be a whole number from 1 to " + MAX_LIMIT + ", was " + limitText;
            return CompletableFuture.completedFuture(Problem.response(400, "/problems/invalid-request",
                    "Invalid request", "limit " + message, uri.getPath(), Map.of("field", "limit", "errors",
                            List.of(Map.of("field", "limit", "message", message)))).build());
        }
        CompletionStage<Optional<List<LockView>>> views = local
                ? CompletableFuture.completedFuture(query.local(limit)) : query.everywhere(limit);
        return views.thenApply(found -> found.map(list -> Response.ok(list).build()).orElseGet(() ->
                Answers.unavailable("Lock state temporarily unavailable", "not every part of the lock store can be"
                        + " read now (the broker is starting, rebalancing, or an instance did not answer)",
                        uri.getPath(), Map.of())));
    }

    private static Integer limit(String text) {
        try {
            int limit = Integer.parseInt(text.trim());
            return limit >= 1 && limit <= MAX_LIMIT ? limit : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

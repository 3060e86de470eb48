package io.stackl.tasks.kit.internal;

import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Guards an internal API: every endpoint answers only a caller presenting its service token
 * ({@code Authorization: Bearer <token>}) and named in the endpoint's {@link CalledBy}. 401 problem+json without a
 * known token, 403 when the caller may not use the endpoint. Health, metrics and OpenAPI under {@code /q/} are not
 * endpoints of the API and stay open for probes and scrapers. Routing comes first: an unknown path or method is
 * answered (404, 405) before any token is asked for. A service without callers (the gateway) has no internal API
 * unless an endpoint names its callers.
 */
public class InternalApiGuard {

    private final InternalApiTokens tokens;
    /** Each endpoint's callers, by class, method and parameter types: found by reflection once. */
    private final Map<String, Optional<List<String>>> callersByEndpoint = new ConcurrentHashMap<>();

    InternalApiGuard(InternalApiTokens tokens) {
        this.tokens = tokens;
    }

    /**
     * Null to go on with the request, else the answer that ends it; after matching, to know the endpoint. An endpoint
     * that names its callers is guarded whatever the configuration says (without tokens it answers no one); in a
     * service with callers, an endpoint that names none answers no one either.
     */
    @ServerRequestFilter
    public Response guard(ContainerRequestContext request, SimpleResourceInfo resource) {
        String endpoint = resource.getResourceClass().getName() + '#' + resource.getMethodName()
                + Arrays.toString(resource.parameterTypes());
        Optional<List<String>> allowed = callersByEndpoint.computeIfAbsent(endpoint, e -> allowedCallers(resource));
        if (allowed.isEmpty() && !tokens.guarding()) {
            return null; // not an internal API (the gateway's own endpoints)
        }
        String path = request.getUriInfo().getPath();
        String authorization = request.getHeaderString("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refused(401, path, "No service token: send 'Authorization: Bearer <token>'");
        }
        Optional<String> caller = tokens.callerOf(authorization.substring(7).trim());
        if (caller.isEmpty()) {
            return refused(401, path, "The service token is not valid");
        }
        if (!allowed.orElse(List.of()).contains(caller.get())) {
            return refused(403, path, "Caller '" + caller.get() + "' may not use this endpoint");
        }
        return null;
    }

    /** The endpoint's callers: its method's {@link CalledBy}, else its class's; empty when neither names any. */
    private static Optional<List<String>> allowedCallers(SimpleResourceInfo resource) {
        CalledBy onClass = resource.getResourceClass().getAnnotation(CalledBy.class);
        Method method;
        try {
            method = resource.getResourceClass().getMethod(resource.getMethodName(), resource.parameterTypes());
        } catch (NoSuchMethodException e) {
            // An endpoint whose method cannot be seen: never fall back to the class's (maybe broader) callers.
            return onClass != null ? Optional.of(List.of()) : Optional.empty();
        }
        CalledBy onMethod = method.getAnnotation(CalledBy.class);
        CalledBy named = onMethod != null ? onMethod : onClass;
        return named == null ? Optional.empty() : Optional.of(List.of(named.value()));
    }

    private static Response refused(int status, String path, String detail) {
        Response.ResponseBuilder answer = status == 401
                ? Problem.response(401, "/problems/unauthorized", "Unauthorized", detail, path, Map.of())
                        .header("WWW-Authenticate", "Bearer")
                : Problem.response(403, "/problems/forbidden", "Forbidden", detail, path, Map.of());
        return answer.build();
    }
}

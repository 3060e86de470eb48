package io.stackl.tasks.gateway.security;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Who is calling. API keys: {@code Authorization: ApiKey <key>} or {@code X-API-Key: <key>}, hashed (SHA-256) and
 * compared in constant time with the configured hashes; the matching client becomes the task's {@code source}. Bearer
 * JWTs ({@code Authorization: Bearer <token>}), when enabled: checked by {@link BearerTokens}; the subject becomes the
 * source. Health, metrics and OpenAPI under {@code /q/} stay open, and so does the console's page (served before this
 * filter, it holds no data). A missing or refused credential is 401 problem+json saying why, never echoing it.
 */
public class AuthenticationFilter {

    private final GatewayConfig config;
    private final BearerTokens bearerTokens;

    AuthenticationFilter(GatewayConfig config, BearerTokens bearerTokens) {
        this.config = config;
        this.bearerTokens = bearerTokens;
    }

    /** Null to go on with the request, else the answer that ends it. */
    @ServerRequestFilter(preMatching = true)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        if (!config.auth().enabled() || request.getUriInfo().getPath().startsWith("/q/")) {
            return Uni.createFrom().nullItem();
        }
        String authorization = request.getHeaderString("Authorization");
        if (bearerTokens.enabled() && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            // Checking may read the provider's keys over the network: on a worker thread, never the event loop.
            String token = authorization.substring(7).trim();
            return Uni.createFrom().item(() -> bearer(request, token))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        return Uni.createFrom().item(apiKey(request, authorization));
    }

    private Response bearer(ContainerRequestContext request, String token) {
        try {
            request.setProperty(Caller.PROPERTY, bearerTokens.verify(token));
            return null;
        } catch (BearerTokens.Refused e) {
            return unauthorized(request, e.getMessage(), "Bearer error=\"invalid_token\"");
        } catch (BearerTokens.KeysUnavailable e) {
            return Problem.response(503, "/problems/temporarily-unavailable", "Temporarily unavailable",
                    e.getMessage(), request.getUriInfo().getPath(), Map.of()).header("Retry-After", "5").build();
        }
    }

    /** An API key's check: null when it is valid (the caller is set), else the 401. */
    private Response apiKey(ContainerRequestContext request, String authorization) {
        String key = apiKey(request.getHeaderString("X-API-Key"), authorization);
        if (key == null) {
            return unauthorized(request, bearerTokens.enabled()
                    ? "No credentials: send 'Authorization: Bearer <token>', 'Authorization: ApiKey <key>' or 'X-API-Key'"
                    : "No API key: send 'Authorization: ApiKey <key>' or 'X-API-Key'", challenge());
        }
        byte[] hash = sha256(key);
        for (Map.Entry<String, GatewayConfig.Auth.Client> client : config.auth().clients().entrySet()) {
            byte[] expected = HexFormat.of().parseHex(client.getValue().keySha256().trim().toLowerCase());
            if (MessageDigest.isEqual(hash, expected)) {
                request.setProperty(Caller.PROPERTY, new Caller(client.getKey(), client.getValue().topics()));
                return null;
            }
        }
        return unauthorized(request, "The API key is not valid", challenge());
    }

    private String challenge() {
        return bearerTokens.enabled() ? "Bearer, ApiKey" : "ApiKey";
    }

    private static String apiKey(String header, String authorization) {
        if (authorization != null && authorization.regionMatches(true, 0, "ApiKey ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return header == null || header.isBlank() ? null : header.trim();
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response unauthorized(ContainerRequestContext request, String detail, String challenge) {
        return Problem.response(401, "/problems/unauthorized", "Unauthorized", detail,
                request.getUriInfo().getPath(), Map.of()).header("WWW-Authenticate", challenge).build();
    }
}

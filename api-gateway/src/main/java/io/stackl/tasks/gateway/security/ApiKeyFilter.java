package io.stackl.tasks.gateway.security;

import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * API keys: {@code Authorization: ApiKey <key>} or {@code X-API-Key: <key>}. The key is hashed (SHA-256) and compared
 * in constant time with the configured hashes; the matching client becomes the task's {@code source}. Health, metrics
 * and OpenAPI under {@code /q/} stay open. A missing or unknown key is 401 problem+json.
 */
public class ApiKeyFilter {

    public static final String CLIENT = "stackl.client";

    private final GatewayConfig config;

    ApiKeyFilter(GatewayConfig config) {
        this.config = config;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        if (!config.auth().enabled() || request.getUriInfo().getPath().startsWith("/q/")) {
            return Optional.empty();
        }
        String key = key(request);
        if (key == null) {
            return Optional.of(unauthorized(request, "No API key: send 'Authorization: ApiKey <key>' or 'X-API-Key'"));
        }
        byte[] hash = sha256(key);
        for (Map.Entry<String, GatewayConfig.Auth.Client> client : config.auth().clients().entrySet()) {
            byte[] expected = HexFormat.of().parseHex(client.getValue().keySha256().trim().toLowerCase());
            if (MessageDigest.isEqual(hash, expected)) {
                request.setProperty(CLIENT, client.getKey());
                return Optional.empty();
            }
        }
        return Optional.of(unauthorized(request, "The API key is not valid"));
    }

    private static String key(ContainerRequestContext request) {
        String authorization = request.getHeaderString("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "ApiKey ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        String header = request.getHeaderString("X-API-Key");
        return header == null || header.isBlank() ? null : header.trim();
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response unauthorized(ContainerRequestContext request, String detail) {
        return Problem.response(401, "/problems/unauthorized", "Unauthorized", detail,
                request.getUriInfo().getPath(), Map.of()).header("WWW-Authenticate", "ApiKey").build();
    }
}

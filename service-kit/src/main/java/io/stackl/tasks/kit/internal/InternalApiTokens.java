package io.stackl.tasks.kit.internal;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * The service tokens this service's internal API accepts: one per caller ({@code tasks.internal-api.callers}, e.g.
 * {@code gateway,worker}), each {@code tasks.internal-api.tokens.<caller>}. A service with no callers has no internal
 * API (the gateway, the worker). A service with callers does not start while a caller has no token, or one shorter than
 * {@value #MINIMUM_LENGTH} characters: an internal API open to anyone who can reach it is what the tokens prevent.
 * Tokens are compared by their SHA-256 digests in constant time.
 */
@Singleton
public class InternalApiTokens {

    static final int MINIMUM_LENGTH = 32;
    private static final String PREFIX = "tasks.internal-api.";

    private final Map<String, byte[]> digestByCaller = new LinkedHashMap<>();

    InternalApiTokens(Config config) {
        List<String> callers = config.getOptionalValues(PREFIX + "callers", String.class).orElse(List.of());
        for (String caller : callers) {
            String key = PREFIX + "tokens." + caller.trim();
            Optional<String> token = config.getOptionalValue(key, String.class).map(String::trim);
            if (token.isEmpty() || token.get().length() < MINIMUM_LENGTH) {
                throw new IllegalStateException("The internal API needs a token of at least " + MINIMUM_LENGTH
                        + " characters for its caller '" + caller.trim() + "' in " + key
                        + " (see the service's README, 'Internal API'); refusing to start with an open API");
            }
            byte[] digest = sha256(token.get());
            for (Map.Entry<String, byte[]> other : digestByCaller.entrySet()) {
                if (MessageDigest.isEqual(digest, other.getValue())) {
                    throw new IllegalStateException("The internal API's callers '" + other.getKey() + "' and '"
                            + caller.trim() + "' have the same token: each caller needs its own");
                }
            }
            digestByCaller.put(caller.trim(), digest);
        }
    }

    /** Built at start, so that a missing token stops the service before it takes a request. */
    void onStart(@Observes StartupEvent event) {
        // Constructing this bean is the check.
    }

    /** True when this service has an internal API to guard. */
    public boolean guarding() {
        return !digestByCaller.isEmpty();
    }

    /** The caller whose token this is, if any. */
    public Optional<String> callerOf(String token) {
        byte[] digest = sha256(token);
        String found = null;
        for (Map.Entry<String, byte[]> caller : digestByCaller.entrySet()) {
            // Every entry is compared, so that the time taken does not tell which caller's token came close.
            if (MessageDigest.isEqual(digest, caller.getValue())) {
                found = caller.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

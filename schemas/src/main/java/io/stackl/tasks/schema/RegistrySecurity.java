package io.stackl.tasks.schema;

import io.apicurio.registry.serde.config.SerdeConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How every client of the project authenticates to the schema registry, from environment variables like
 * {@link KafkaSecurity}: {@code SCHEMA_REGISTRY_USERNAME} and {@code SCHEMA_REGISTRY_PASSWORD} (HTTP Basic, both or
 * neither). TLS: an {@code https://} registry URL, trusted through the JVM's trust store (add a CA with
 * {@code JAVA_TOOL_OPTIONS=-Djavax.net.ssl.trustStore=...}). Used by the serdes and by the schema registration alike.
 */
public final class RegistrySecurity {

    public static final String USERNAME = "SCHEMA_REGISTRY_USERNAME";
    public static final String PASSWORD = "SCHEMA_REGISTRY_PASSWORD";

    private RegistrySecurity() {}

    /** The serde settings for these credentials (environment variable names); empty without any. */
    static Map<String, Object> serdeConfig(Map<String, String> settings) {
        Map<String, Object> config = new HashMap<>();
        credentials(settings).ifPresent(c -> {
            config.put(SerdeConfig.AUTH_USERNAME, c.username());
            config.put(SerdeConfig.AUTH_PASSWORD, c.password());
        });
        return config;
    }

    /** The {@code Authorization} header value for these credentials, if any. */
    static Optional<String> authorization(Map<String, String> settings) {
        return credentials(settings).map(c -> "Basic " + Base64.getEncoder().encodeToString(
                (c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8)));
    }

    private record Credentials(String username, String password) {}

    private static Optional<Credentials> credentials(Map<String, String> settings) {
        String username = settings.get(USERNAME);
        String password = settings.get(PASSWORD);
        boolean hasUser = username != null && !username.isEmpty();
        boolean hasPassword = password != null && !password.isEmpty();
        if (hasUser != hasPassword) {
            throw new IllegalArgumentException((hasUser ? PASSWORD : USERNAME) + " is required with "
                    + (hasUser ? USERNAME : PASSWORD));
        }
        return hasUser ? Optional.of(new Credentials(username, password)) : Optional.empty();
    }
}

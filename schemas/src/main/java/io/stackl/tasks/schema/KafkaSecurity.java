package io.stackl.tasks.schema;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * How every Kafka client of the project (the services and the client library's producer) authenticates and
 * encrypts: read from environment variables, the same names everywhere, so that one Secret configures a deployment.
 *
 * <ul>
 *   <li>{@code KAFKA_SECURITY_PROTOCOL}: {@code PLAINTEXT} (default), {@code SSL}, {@code SASL_SSL} or
 *       {@code SASL_PLAINTEXT}.</li>
 *   <li>SASL: {@code KAFKA_SASL_MECHANISM} ({@code SCRAM-SHA-512} by default, {@code SCRAM-SHA-256} or
 *       {@code PLAIN}), {@code KAFKA_SASL_USERNAME}, {@code KAFKA_SASL_PASSWORD}.</li>
 *   <li>TLS: {@code KAFKA_SSL_CA_FILE} (PEM certificates to trust; default: the JVM's), for mutual TLS
 *       {@code KAFKA_SSL_KEYSTORE_FILE} (PEM: the private key and its certificate chain) and
 *       {@code KAFKA_SSL_KEY_PASSWORD} if that key is encrypted (the key in PKCS#8). The brokers' certificates must
 *       name them: hostname verification cannot be switched off.</li>
 * </ul>
 *
 * A setting that cannot work (an unknown protocol, SASL without a password) throws at once, naming the variable and
 * never its value: a client must not fall back to plaintext or start without its credentials.
 */
public final class KafkaSecurity {

    public static final String PROTOCOL = "KAFKA_SECURITY_PROTOCOL";
    public static final String SASL_MECHANISM = "KAFKA_SASL_MECHANISM";
    public static final String SASL_USERNAME = "KAFKA_SASL_USERNAME";
    public static final String SASL_PASSWORD = "KAFKA_SASL_PASSWORD";
    public static final String SSL_CA_FILE = "KAFKA_SSL_CA_FILE";
    public static final String SSL_KEYSTORE_FILE = "KAFKA_SSL_KEYSTORE_FILE";
    public static final String SSL_KEY_PASSWORD = "KAFKA_SSL_KEY_PASSWORD";

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT");
    private static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN");

    private KafkaSecurity() {}

    /** The client properties for this process's environment; empty for plaintext. */
    public static Map<String, String> fromEnvironment() {
        return from(System.getenv());
    }

    /** The client properties for these settings (environment variable names); empty for plaintext. */
    public static Map<String, String> from(Map<String, String> settings) {
        String protocol = value(settings, PROTOCOL, "PLAINTEXT").toUpperCase();
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException(PROTOCOL + " must be one of " + PROTOCOLS + ", was " + protocol);
        }
        Map<String, String> props = new LinkedHashMap<>();
        if (protocol.equals("PLAINTEXT")) {
            return props;
        }
        props.put("security.protocol", protocol);
        if (protocol.startsWith("SASL_")) {
            String mechanism = value(settings, SASL_MECHANISM, "SCRAM-SHA-512").toUpperCase();
            if (!MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException(SASL_MECHANISM + " must be one of " + MECHANISMS + ", was "
                        + mechanism);
            }
            String username = required(settings, SASL_USERNAME, protocol);
            String password = required(settings, SASL_PASSWORD, protocol);
            String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            props.put("sasl.mechanism", mechanism);
            props.put("sasl.jaas.config", module + " required username=\"" + jaasQuoted(username) + "\" password=\""
                    + jaasQuoted(password) + "\";");
        }
        if (protocol.equals("SSL") || protocol.equals("SASL_SSL")) {
            String ca = value(settings, SSL_CA_FILE, null);
            if (ca != null) {
                props.put("ssl.truststore.type", "PEM");
                props.put("ssl.truststore.location", ca);
            }
            String keystore = value(settings, SSL_KEYSTORE_FILE, null);
            if (keystore != null) {
                props.put("ssl.keystore.type", "PEM");
                props.put("ssl.keystore.location", keystore);
                String keyPassword = value(settings, SSL_KEY_PASSWORD, null);
                if (keyPassword != null) {
                    props.put("ssl.key.password", keyPassword);
                }
            }
        }
        return props;
    }

    /** Adds this process's security settings to a client's properties and returns them. */
    public static <M extends Map<Object, Object>> M applyTo(M clientProperties) {
        clientProperties.putAll(fromEnvironment());
        return clientProperties;
    }

    /** The same, for the admin and client configurations built as {@code Map<String, Object>}. */
    public static Map<String, Object> withSecurity(Map<String, ?> clientProperties) {
        Map<String, Object> all = new LinkedHashMap<>(clientProperties);
        all.putAll(fromEnvironment());
        return all;
    }

    private static String value(Map<String, String> settings, String name, String fallback) {
        String value = settings.get(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    private static String required(Map<String, String> settings, String name, String protocol) {
        String value = settings.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(name + " is required with " + PROTOCOL + "=" + protocol);
        }
        return value;
    }

    /** A JAAS option value between double quotes: backslashes and quotes escaped. */
    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}

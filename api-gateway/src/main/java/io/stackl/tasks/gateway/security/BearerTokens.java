package io.stackl.tasks.gateway.security;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.stackl.tasks.gateway.config.GatewayConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

/**
 * Bearer JWTs from an identity provider (ADR 0015): SmallRye JWT checks the signature against the issuer's keys (a
 * JWKS URL it reads and caches, or a key file), the issuer, the audience and the expiry; the subject becomes the task's
 * source and a configurable claim lists the topics the caller may submit. Nothing here parses a token by hand.
 */
@Startup // checked when the gateway starts: a half-configured gateway must not start and pass its probes
@ApplicationScoped
public class BearerTokens {

    private static final Logger LOG = Logger.getLogger(BearerTokens.class);

    private final Optional<DefaultJWTParser> parser;
    private final String topicsClaim;
    private final String sourcePrefix;
    private final Set<String> apiClients;

    BearerTokens(GatewayConfig config) {
        GatewayConfig.Auth.Jwt jwt = config.auth().jwt();
        if (jwt.enabled() && !config.auth().enabled()) {
            // Otherwise every request would be the anonymous caller, tokens or not.
            throw new IllegalStateException("tasks.gateway.auth.jwt.enabled=true needs tasks.gateway.auth.enabled=true");
        }
        this.topicsClaim = jwt.topicsClaim();
        this.sourcePrefix = jwt.sourcePrefix().orElse("");
        this.apiClients = Set.copyOf(config.auth().clients().keySet());
        this.parser = jwt.enabled() ? Optional.of(parser(jwt)) : Optional.empty();
    }

    /** A token that is not valid here; {@code reason} says why in words fit for the caller. */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason);
        }
    }

    /** The identity provider's keys cannot be read now: no token can be checked (503, not the caller's fault). */
    public static final class KeysUnavailable extends Exception {
        KeysUnavailable(String reason) {
            super(reason);
        }
    }

    public boolean enabled() {
        return parser.isPresent();
    }

    /**
     * The caller the token names, when it is valid here. May read the provider's keys over the network: call it off
     * the event loop.
     */
    public Caller verify(String token) throws Refused, KeysUnavailable {
        if (parser.isEmpty()) {
            throw new Refused("This gateway takes no bearer tokens; send an API key");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.get().parse(token);
        } catch (ParseException e) {
            if (keysUnreadable(e)) {
                LOG.warnf("the identity provider's keys cannot be read: %s", rootMessage(e));
                throw new KeysUnavailable("The identity provider's keys cannot be read now; retry");
            }
            throw new Refused(reason(e));
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new Refused("The bearer token names no subject (sub)");
        }
        String source = sourcePrefix + subject;
        if (apiClients.contains(source)) {
            // It would act as that client, whose idempotency keys it could then take first.
            throw new Refused("The bearer token's subject is the name of an API-key client; the gateway's"
                    + " tasks.gateway.auth.jwt.source-prefix keeps the two apart");
        }
        return new Caller(source, topics(jwt));
    }

    /** Whether the failure was reading the keys (network, provider down), rather than the token itself. */
    private static boolean keysUnreadable(ParseException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private Set<String> topics(JsonWebToken jwt) {
        Object claim = jwt.getClaim(topicsClaim);
        Set<String> topics = new LinkedHashSet<>();
        if (claim instanceof JsonArray array) {
            for (JsonValue value : array) {
                if (value instanceof JsonString text) {
                    topics.add(text.getString());
                }
            }
        } else if (claim instanceof JsonString text) {
            topics.addAll(Arrays.asList(text.getString().trim().split("\\s+")));
        } else if (claim instanceof String text) {
            topics.addAll(Arrays.asList(text.trim().split("\\s+")));
        } else if (claim instanceof Iterable<?> values) {
            values.forEach(value -> topics.add(String.valueOf(value)));
        }
        topics.remove("");
        return topics;
    }

    /** Why the token was refused, from jose4j's error codes: never the token, nor the library's raw message. */
    private static String reason(ParseException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidJwtException invalid) {
                if (invalid.hasExpired()) {
                    return "The bearer token has expired";
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUER_INVALID) || invalid.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return "The bearer token is from another issuer";
                }
                if (invalid.hasErrorCode(ErrorCodes.AUDIENCE_INVALID)
                        || invalid.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return "The bearer token is not meant for this gateway (audience)";
                }
                if (invalid.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)
                        || invalid.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
                    return "The bearer token's signature does not verify";
                }
                if (invalid.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
                    return "The bearer token is not valid yet";
                }
            }
        }
        return "The bearer token is not valid (malformed, or signed by a key this gateway does not know)";
    }

    private static DefaultJWTParser parser(GatewayConfig.Auth.Jwt jwt) {
        String keys = jwt.publicKeyLocation().orElseThrow(() -> missing("public-key-location"));
        String issuer = jwt.issuer().orElseThrow(() -> missing("issuer"));
        String audience = jwt.audience().orElseThrow(() -> missing("audience"));
        requireTrustedLocation(keys);
        if (jwt.clockSkewSeconds() < 0) {
            throw new IllegalStateException("tasks.gateway.auth.jwt.clock-skew-seconds must be 0 or more");
        }
        JWTAuthContextInfo info = new JWTAuthContextInfo(keys, issuer);
        info.setExpectedAudience(Set.of(audience));
        info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.fromAlgorithm(jwt.algorithm())));
        // Both: the library reads a grace period of 0 as "use my default" (60 s), and the skew covers nbf and iat.
        info.setExpGracePeriodSecs(jwt.clockSkewSeconds());
        info.setClockSkew(jwt.clockSkewSeconds());
        // Keep the last keys read while the provider cannot be reached, rather than refusing every token meanwhile.
        info.setJwksRetainCacheOnErrorDuration(60);
        return new DefaultJWTParser(info);
    }

    /**
     * Keys fetched over plain HTTP could be swapped by anyone on the path, who could then mint tokens: only https, a
     * file, or plain http to this machine (a sidecar, a test) are taken.
     */
    static void requireTrustedLocation(String location) {
        java.net.URI uri;
        try {
            uri = java.net.URI.create(location);
        } catch (IllegalArgumentException e) {
            return; // a file path
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean local = "localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost())
                || "[::1]".equals(uri.getHost());
        if ("http".equals(scheme) && !local) {
            throw new IllegalStateException("tasks.gateway.auth.jwt.public-key-location must be https (or a file):"
                    + " keys read over plain http could be replaced on the way");
        }
    }

    private static IllegalStateException missing(String key) {
        // A token checked without an issuer, audience or key is no check at all: refuse to start instead.
        return new IllegalStateException("tasks.gateway.auth.jwt.enabled=true needs tasks.gateway.auth.jwt." + key);
    }
}

package io.stackl.tasks.gateway.security;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import io.stackl.tasks.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;

/**
 * Bearer JWTs from an identity provider (ADR 0015): SmallRye JWT checks the signature against the issuer's keys (a
 * JWKS URL it reads and caches, or a key file), the issuer, the audience and the expiry; the subject becomes the task's
 * source and a configurable claim lists the topics the caller may submit. Nothing here parses a token by hand.
 */
@ApplicationScoped
public class BearerTokens {

    private final Optional<DefaultJWTParser> parser;
    private final String topicsClaim;
    private final String sourcePrefix;

    BearerTokens(GatewayConfig config) {
        GatewayConfig.Auth.Jwt jwt = config.auth().jwt();
        this.topicsClaim = jwt.topicsClaim();
        this.sourcePrefix = jwt.sourcePrefix().orElse("");
        this.parser = jwt.enabled() ? Optional.of(parser(jwt)) : Optional.empty();
    }

    /** A token that is not valid here; {@code reason} says why in words fit for the caller. */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason);
        }
    }

    public boolean enabled() {
        return parser.isPresent();
    }

    /** The caller the token names, when it is valid here. */
    public Caller verify(String token) throws Refused {
        if (parser.isEmpty()) {
            throw new Refused("This gateway takes no bearer tokens; send an API key");
        }
        JsonWebToken jwt;
        try {
            jwt = parser.get().parse(token);
        } catch (ParseException e) {
            throw new Refused(reason(e));
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new Refused("The bearer token names no subject (sub)");
        }
        return new Caller(sourcePrefix + subject, topics(jwt));
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
        JWTAuthContextInfo info = new JWTAuthContextInfo(keys, issuer);
        info.setExpectedAudience(Set.of(audience));
        info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.fromAlgorithm(jwt.algorithm())));
        info.setExpGracePeriodSecs(jwt.clockSkewSeconds());
        return new DefaultJWTParser(info);
    }

    private static IllegalStateException missing(String key) {
        // A token checked without an issuer, audience or key is no check at all: refuse to start instead.
        return new IllegalStateException("tasks.gateway.auth.jwt.enabled=true needs tasks.gateway.auth.jwt." + key);
    }
}

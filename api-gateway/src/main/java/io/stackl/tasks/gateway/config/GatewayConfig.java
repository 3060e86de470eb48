package io.stackl.tasks.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The gateway's own settings, {@code tasks.gateway.*}; see the module README. */
@ConfigMapping(prefix = "tasks.gateway")
public interface GatewayConfig {

    /** The task broker (live task state). */
    String brokerUrl();

    /** The history service (ended tasks, listings, documents). */
    String historyUrl();

    /** The gateway's service token for the broker's internal API (the broker's {@code tasks.internal-api.tokens.gateway}). */
    String brokerToken();

    /** The gateway's service token for the history service's internal API. */
    String historyToken();

    /** The longest {@code wait} a client may ask for; the task's own timeouts bound it too. */
    @WithDefault("60s")
    Duration maxWait();

    /**
     * The longest {@code queueTimeoutMs} accepted; longer is a 400 naming the field. Keep it equal to the broker's
     * {@code tasks.broker.timeouts.queue-max}, which refuses longer ones from any producer (as a REJECTED task).
     */
    @WithDefault("1h")
    Duration maxQueueTimeout();

    /**
     * The longest {@code timeoutMs} accepted; keep it equal to the broker's
     * {@code tasks.broker.timeouts.execution-max}.
     */
    @WithDefault("24h")
    Duration maxTimeout();

    /** Largest {@code arguments} accepted, serialized. */
    @WithDefault("262144")
    int maxArgumentsBytes();

    /** How long the gateway waits for Kafka to take a task before answering 503. */
    @WithDefault("5s")
    Duration sendTimeout();

    Auth auth();

    /** Authentication (API keys, bearer JWTs) and per-caller topic permissions. */
    interface Auth {
        /** Off for a local run; on wherever anyone but you can reach the gateway. */
        @WithDefault("false")
        boolean enabled();

        /** Clients by name: the SHA-256 (hex) of each one's API key, and the task topics it may submit. */
        java.util.Map<String, Client> clients();

        /** Bearer JWTs from an identity provider, besides API keys. */
        Jwt jwt();

        interface Jwt {
            /** Off: only API keys are taken. */
            @WithDefault("false")
            boolean enabled();

            /**
             * Where the issuer's public keys are: a JWKS URL ({@code https://idp/.well-known/jwks.json}), or a PEM or
             * JWK(S) file. Required when enabled.
             */
            java.util.Optional<String> publicKeyLocation();

            /** The {@code iss} every token must carry. Required when enabled. */
            java.util.Optional<String> issuer();

            /** An {@code aud} every token must name (this gateway). Required when enabled. */
            java.util.Optional<String> audience();

            /**
             * The claim that lists the task topics the caller may submit: a JSON array, or a string of topics separated
             * by spaces (like OAuth scopes); {@code *} for all. Without it, a token may read but submit nothing.
             */
            @WithDefault("stackl_topics")
            String topicsClaim();

            /**
             * Put before the token's subject to make the task's {@code source}: subjects and API-key client names share
             * one namespace (idempotency keys are per source), so an issuer whose subjects could equal a client name
             * gets a prefix such as {@code jwt:}.
             */
            java.util.Optional<String> sourcePrefix();

            /** Signature algorithm of the tokens: RS256, ES256, PS256, ... */
            @WithDefault("RS256")
            String algorithm();

            /** Leeway for clocks that differ, in seconds, when checking {@code exp}. */
            @WithDefault("30")
            int clockSkewSeconds();
        }

        interface Client {
            /** {@code sha256sum} of the key, hex; the key itself is never configured. */
            String keySha256();

            /** Task topics the client may submit; {@code *} for all. */
            java.util.Set<String> topics();
        }
    }
}

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

    /** API-key authentication and per-client topic permissions. */
    interface Auth {
        /** Off for a local run; on wherever anyone but you can reach the gateway. */
        @WithDefault("false")
        boolean enabled();

        /** Clients by name: the SHA-256 (hex) of each one's API key, and the task topics it may submit. */
        java.util.Map<String, Client> clients();

        interface Client {
            /** {@code sha256sum} of the key, hex; the key itself is never configured. */
            String keySha256();

            /** Task topics the client may submit; {@code *} for all. */
            java.util.Set<String> topics();
        }
    }
}

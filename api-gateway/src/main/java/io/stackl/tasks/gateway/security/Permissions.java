package io.stackl.tasks.gateway.security;

import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.gateway.error.GatewayException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Set;

/** Which client may submit which task topics. */
@ApplicationScoped
public class Permissions {

    private final GatewayConfig config;

    Permissions(GatewayConfig config) {
        this.config = config;
    }

    /** The task's source: the authenticated client, or {@code anonymous} when authentication is off. */
    public String requireSubmit(String client, String topic) {
        if (!config.auth().enabled()) {
            return "anonymous";
        }
        Set<String> topics = config.auth().clients().get(client).topics();
        if (!topics.contains("*") && !topics.contains(topic)) {
            throw new GatewayException(403, "/problems/forbidden", "Forbidden", "Client '" + client
                    + "' may not submit tasks of topic '" + topic + "'", Map.of("topic", topic), null);
        }
        return client;
    }

    public String requireAny(String client) {
        return config.auth().enabled() ? client : "anonymous";
    }

    /**
     * Whether the client may read what tasks of {@code topic} carry (their arguments): those who may submit them.
     * Everyone when authentication is off.
     */
    public boolean mayReadPayloadsOf(String client, String topic) {
        if (!config.auth().enabled()) {
            return true;
        }
        GatewayConfig.Auth.Client allowed = client == null ? null : config.auth().clients().get(client);
        return allowed != null && (allowed.topics().contains("*") || allowed.topics().contains(topic));
    }

    /** Whether the client may read payloads of any topic (dead letters carry records of every topic): {@code *}. */
    public boolean mayReadAllPayloads(String client) {
        return mayReadPayloadsOf(client, "*");
    }
}

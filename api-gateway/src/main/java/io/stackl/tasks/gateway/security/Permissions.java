package io.stackl.tasks.gateway.security;

import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.gateway.error.GatewayException;
import io.stackl.tasks.kit.problem.Problem;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.Map;

/** What the caller of a request may do: which task topics it may submit, and whose payloads it may read. */
@ApplicationScoped
public class Permissions {

    private final GatewayConfig config;

    Permissions(GatewayConfig config) {
        this.config = config;
    }

    /**
     * The request's caller: {@code anonymous} (every topic) while authentication is off, else whom the authentication
     * filter established. A request it let through without one is refused rather than taken as anonymous.
     */
    public Caller caller(ContainerRequestContext request) {
        if (!config.auth().enabled()) {
            return Caller.ANONYMOUS;
        }
        if (request.getProperty(Caller.PROPERTY) instanceof Caller caller) {
            return caller;
        }
        throw new Problem(401, "/problems/unauthorized", "Unauthorized", "No credentials were checked for this request",
                Map.of(), null);
    }

    /** The task's source when the caller may submit {@code topic}; 403 otherwise. */
    public String requireSubmit(Caller caller, String topic) {
        if (!caller.maySubmit(topic)) {
            throw new GatewayException(403, "/problems/forbidden", "Forbidden", "Client '" + caller.name()
                    + "' may not submit tasks of topic '" + topic + "'", Map.of("topic", topic), null);
        }
        return caller.name();
    }

    /** Whether the caller may read what tasks of {@code topic} carry (their arguments): those who may submit them. */
    public boolean mayReadPayloadsOf(Caller caller, String topic) {
        return caller.maySubmit(topic);
    }

    /** Whether the caller may read payloads of any topic (dead letters carry records of every topic): {@code *}. */
    public boolean mayReadAllPayloads(Caller caller) {
        return caller.topics().contains("*");
    }
}

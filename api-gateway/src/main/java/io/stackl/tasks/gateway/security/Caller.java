package io.stackl.tasks.gateway.security;

import java.util.Set;

/**
 * Who made a request, as the authentication filter established it: the task {@code source} it acts as (an API-key
 * client's name, or a token's subject), and the task topics it may submit ({@code *} for all).
 */
public record Caller(String name, Set<String> topics) {

    /** The request property the filter sets. */
    static final String PROPERTY = "stackl.caller";

    /** Every request while authentication is off. */
    static final Caller ANONYMOUS = new Caller("anonymous", Set.of("*"));

    public Caller {
        topics = Set.copyOf(topics);
    }

    public boolean maySubmit(String topic) {
        return topics.contains("*") || topics.contains(topic);
    }
}

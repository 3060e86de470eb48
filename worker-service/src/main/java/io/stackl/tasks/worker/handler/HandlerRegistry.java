package io.stackl.tasks.worker.handler;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Finds the handler for a task's topic and subtype; refuses ambiguous registrations at start-up. */
@ApplicationScoped
public class HandlerRegistry {

    private static final String ANY = "*";

    private final Map<String, TaskHandler> byTopicAndSubtype = new HashMap<>();

    @Inject
    HandlerRegistry(@Any Instance<TaskHandler> handlers) {
        this(handlers.stream().toList());
    }

    public HandlerRegistry(List<TaskHandler> handlers) {
        for (TaskHandler handler : handlers) {
            for (String subtype : handler.subtypes()) {
                String key = handler.topic() + "/" + subtype;
                TaskHandler previous = byTopicAndSubtype.putIfAbsent(key, handler);
                if (previous != null) {
                    throw new IllegalStateException("two handlers claim topic '" + handler.topic() + "' subtype '"
                            + subtype + "': " + previous.getClass().getName() + " and " + handler.getClass().getName()
                            + "; remove one or narrow its subtypes()");
                }
            }
        }
    }

    public Optional<TaskHandler> find(String topic, String subtype) {
        TaskHandler exact = byTopicAndSubtype.get(topic + "/" + subtype);
        return Optional.ofNullable(exact != null ? exact : byTopicAndSubtype.get(topic + "/" + ANY));
    }

    /** The task topics some handler serves. */
    public Set<String> topics() {
        Set<String> topics = new TreeSet<>();
        byTopicAndSubtype.keySet().forEach(k -> topics.add(k.substring(0, k.indexOf('/'))));
        return topics;
    }
}

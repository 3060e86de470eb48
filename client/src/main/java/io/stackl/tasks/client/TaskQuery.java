package io.stackl.tasks.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Which tasks {@link StacklClient#list} returns, newest change first. Page on by passing the {@code updatedAt} of the
 * last task of a page as {@link #before} of the next.
 */
public final class TaskQuery {

    private TaskState state;
    private String topic;
    private Instant from;
    private Instant to;
    private Instant before;
    private int limit = 50;

    public static TaskQuery all() {
        return new TaskQuery();
    }

    public TaskQuery state(TaskState state) {
        this.state = state;
        return this;
    }

    public TaskQuery topic(String topic) {
        this.topic = topic;
        return this;
    }

    /** Tasks that changed at or after {@code from} and before {@code to}; either may be null. */
    public TaskQuery between(Instant from, Instant to) {
        this.from = from;
        this.to = to;
        return this;
    }

    public TaskQuery before(Instant before) {
        this.before = before;
        return this;
    }

    /** At most this many (1 to 500; the gateway refuses more). */
    public TaskQuery limit(int limit) {
        this.limit = limit;
        return this;
    }

    String queryString() {
        List<String> parts = new ArrayList<>();
        add(parts, "state", state == null ? null : state.name());
        add(parts, "topic", topic);
        add(parts, "from", from == null ? null : from.toString());
        add(parts, "to", to == null ? null : to.toString());
        add(parts, "before", before == null ? null : before.toString());
        add(parts, "limit", String.valueOf(limit));
        return String.join("&", parts);
    }

    private static void add(List<String> parts, String name, String value) {
        if (value != null) {
            parts.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }
}

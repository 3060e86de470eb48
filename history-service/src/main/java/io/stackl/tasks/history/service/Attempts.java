package io.stackl.tasks.history.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A task's attempts (ADR 0012), read off its recorded events and results: for each dispatch, when it started and how
 * it ended, which worker ran it, and, for an attempt that was undone ahead of a retry, when the undo finished and
 * when the next attempt was due. Derived on read, so it needs no table of its own and holds for tasks recorded
 * before retries existed (one attempt each).
 */
final class Attempts {

    /** The states an attempt ends in; the first of them after its DISPATCHED event is its outcome. */
    private static final Set<String> ENDINGS = Set.of("SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED");

    private Attempts() {}

    /**
     * @param events the task's events in sequence order, as {@code task_events} rows (camel-case keys)
     * @param results every result any worker sent for the task, as {@code task_results} rows
     */
    static List<Map<String, Object>> of(List<Map<String, Object>> events, List<Map<String, Object>> results) {
        List<Map<String, Object>> attempts = new ArrayList<>();
        Map<String, Object> current = null;
        for (Map<String, Object> event : events) {
            String state = String.valueOf(event.get("state"));
            Object attempt = event.get("attempt");
            if ("DISPATCHED".equals(state)) {
                current = new LinkedHashMap<>();
                current.put("attempt", attempt);
                current.put("fencingToken", event.get("fencingToken"));
                current.put("dispatchedAt", event.get("occurredAt"));
                current.put("deadline", event.get("deadline"));
                current.put("endedAt", null);
                current.put("outcome", null);
                current.put("failureCode", null);
                current.put("failureMessage", null);
                current.put("worker", null);
                current.put("undoneAt", null);
                current.put("nextAttemptAt", null);
                attempts.add(current);
                continue;
            }
            if (current == null || !Objects.equals(attempt, current.get("attempt"))) {
                continue;
            }
            if (ENDINGS.contains(state) && current.get("outcome") == null) {
                current.put("outcome", state);
                current.put("endedAt", event.get("occurredAt"));
                current.put("failureCode", event.get("failureCode"));
                current.put("failureMessage", event.get("failureMessage") != null ? event.get("failureMessage")
                        : event.get("reason"));
            } else if ("RETRY_WAITING".equals(state)) {
                current.put("undoneAt", event.get("occurredAt"));
                current.put("nextAttemptAt", event.get("deadline"));
            }
        }
        for (int i = 0; i < attempts.size(); i++) {
            Map<String, Object> attempt = attempts.get(i);
            attempt.put("worker", workerOf(attempt, results));
            if (i == attempts.size() - 1) {
                // Undone ahead of a retry that never came (cancelled during the backoff, or past the task's bound).
                attempt.put("nextAttemptAt", null);
            }
        }
        return attempts;
    }

    /**
     * The worker whose result for this attempt's token was recorded first, with its own start and end, and whether it
     * came after the attempt had ended (then the broker did not count it); null when no result came (the attempt timed
     * out, or its worker died with it).
     */
    private static Map<String, Object> workerOf(Map<String, Object> attempt, List<Map<String, Object>> results) {
        Map<String, Object> first = null;
        for (Map<String, Object> result : results) {
            if (!"EXECUTE".equals(String.valueOf(result.get("kind")))
                    || !Objects.equals(number(result.get("attempt")), number(attempt.get("attempt")))
                    || !Objects.equals(number(result.get("fencingToken")), number(attempt.get("fencingToken")))) {
                continue;
            }
            if (first == null || compare(result.get("finishedAt"), first.get("finishedAt")) < 0) {
                first = result;
            }
        }
        if (first == null) {
            return null;
        }
        Map<String, Object> worker = new LinkedHashMap<>();
        worker.put("id", first.get("workerId"));
        worker.put("startedAt", first.get("startedAt"));
        worker.put("finishedAt", first.get("finishedAt"));
        worker.put("succeeded", first.get("succeeded"));
        // A result that came after the attempt had ended (timed out, cancelled) did not count: the broker ignored it.
        Object ended = attempt.get("endedAt");
        worker.put("late", ended != null && compare(first.get("finishedAt"), ended) > 0);
        return worker;
    }

    private static Long number(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(Object a, Object b) {
        if (a instanceof Comparable ca && b != null) {
            return ca.compareTo(b);
        }
        return a == null ? 1 : -1;
    }
}

package io.stackl.tasks.history.error;

import io.stackl.tasks.kit.problem.Problem;
import java.util.Map;

/**
 * The history service's refusals, each with its RFC 9457 problem type; the service kit's {@code ProblemMapper}
 * renders them.
 */
public class HistoryException extends Problem {

    public HistoryException(int status, String type, String title, String detail, Map<String, Object> extras) {
        super(status, type, title, detail, extras);
    }

    public HistoryException(int status, String type, String title, String detail, Map<String, Object> extras,
            Integer retryAfterSeconds) {
        super(status, type, title, detail, extras, retryAfterSeconds);
    }

    /** The problem type of a write for a task whose fence the service has not learned yet. */
    public static final String TASK_NOT_YET_KNOWN = "/problems/task-not-yet-known";

    public static HistoryException taskNotYetKnown(String taskId) {
        return new HistoryException(503, TASK_NOT_YET_KNOWN, "Task not yet known",
                "The history service has not yet seen task " + taskId + " dispatched; retry shortly",
                Map.of("taskId", taskId), 1);
    }

    public static HistoryException sealed(String taskId, String state) {
        return new HistoryException(409, "/problems/task-sealed", "Task no longer in flight",
                "Task " + taskId + " is " + state + " and sealed: it may no longer change documents",
                Map.of("taskId", taskId, "state", state));
    }

    public static HistoryException notInFlight(String taskId, String state) {
        return new HistoryException(409, "/problems/task-not-in-flight", "Task no longer in flight",
                "Task " + taskId + " is " + state + "; only a dispatched task may change documents",
                Map.of("taskId", taskId, "state", state));
    }

    public static HistoryException staleToken(String taskId, long given, long current) {
        return new HistoryException(409, "/problems/stale-fencing-token", "Stale fencing token",
                "Fencing token " + given + " of task " + taskId + " is not the current one (" + current
                        + "); this worker's attempt was superseded",
                Map.of("taskId", taskId, "fencingToken", given, "currentFencingToken", current));
    }

    public static HistoryException attemptRunTwice(String taskId, long fencingToken) {
        return new HistoryException(409, "/problems/attempt-already-running", "Attempt already running",
                "Another execution of task " + taskId + " with fencing token " + fencingToken + " has written already;"
                        + " this one is a second run of the same attempt (a redelivered work item) and may not write",
                Map.of("taskId", taskId, "fencingToken", fencingToken));
    }

    public static HistoryException lockSuperseded(String taskId, String key, String holder) {
        return new HistoryException(409, "/problems/lock-superseded", "Lock no longer held",
                "Task " + taskId + " no longer holds the lock on document key '" + key + "': it was granted to task "
                        + holder + " since",
                Map.of("taskId", taskId, "key", key, "holder", holder));
    }

    public static HistoryException undeclaredKey(String taskId, String key) {
        return new HistoryException(409, "/problems/undeclared-document-key", "Document key not declared",
                "Task " + taskId + " did not declare document key '" + key + "' among the keys it changes, so it holds"
                        + " no lock on it",
                Map.of("taskId", taskId, "key", key));
    }

    public static HistoryException notFound(String what, String id) {
        return new HistoryException(404, "/problems/" + what + "-not-found", capital(what) + " not found",
                "No " + what + " '" + id + "'", Map.of(what.equals("task") ? "taskId" : "key", id));
    }

    /** A value that the content rules (docs/content-rules.md) refuse: PostgreSQL could not store it as sent. */
    public static HistoryException invalidContent(String detail) {
        return new HistoryException(400, "/problems/invalid-content", "Content cannot be stored", detail, Map.of());
    }

    public static HistoryException badRequest(String detail) {
        return new HistoryException(400, "/problems/invalid-request", "Invalid request", detail, Map.of());
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}

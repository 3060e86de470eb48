package io.stackl.tasks.e2e;

import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.awaitility.Awaitility;

/**
 * Counts violations of the promises a user relies on, for a set of tasks and the documents under one key prefix, from
 * two witnesses: the history database and the {@code task-events} topic. Every count must be 0.
 */
final class InvariantChecker {

    static final String ONE_TERMINAL_STATE = "every accepted task has exactly one terminal state";
    static final String EVENTS_IN_ORDER = "task-events: per task sequence 1..n, one terminal event, last";
    static final String TOPIC_AGREES_WITH_HISTORY = "task-events and history agree on each task's end";
    static final String NO_CHANGE_WITHOUT_SUCCESS = "no document is left changed by a task that did not succeed";
    static final String NO_WRITE_AFTER_SEAL = "no write was accepted after its task was sealed";
    static final String ONE_RESULT = "no attempt was given two results, and no task two successes";
    static final String FAILED_ATTEMPTS_UNDONE = "no change of a failed attempt survived it (retries, ADR 0012)";
    static final String COUNTERS_EXACT = "counters equal their succeeded increments (no lost or extra update)";
    static final String NEVER_TWO_AT_ONCE = "no two increments of one counter ever ran at once";
    static final String NO_LOCK_HELD = "no lock is still held";
    static final String BROKER_AND_HISTORY_AGREE = "broker and history agree on how every rollback ended";
    static final String WRITES_UNDER_LOCK = "no write accepted from a task that did not hold the key's lock then";
    static final String UNDO_ONCE = "every rolled-back external action was undone, and no other";
    static final String ONE_EXECUTION_PER_ATTEMPT = "no attempt's external action was executed twice";

    /**
     * The broker stamps events with Kafka Streams' cached wall clock, which may trail the real time by a few ms; a write
     * is counted outside its task's lock only when it lies beyond this margin (a late copy of a task writes seconds
     * after its end, not milliseconds).
     */
    private static final long CLOCK_MARGIN_MS = 500;

    private static final Set<TaskState> TERMINAL = Set.of(TaskState.SUCCEEDED, TaskState.ROLLED_BACK,
            TaskState.ROLLBACK_FAILED, TaskState.REJECTED);

    private final Suite suite;

    InvariantChecker(Suite suite) {
        this.suite = suite;
    }

    /** Waits until history holds a terminal state for every task (at most {@code atMost}). */
    void awaitAllEnded(Collection<String> taskIds, Duration atMost) {
        String[] ids = taskIds.toArray(new String[0]);
        try {
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofSeconds(1)).until(() -> {
                try (Connection c = suite.database()) {
                    return count(c, "SELECT count(*) FROM tasks WHERE task_id = ANY (?) AND terminal", (Object) ids)
                            == ids.length;
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not every task ended within " + atMost + "; where the first ones stand:\n"
                    + whereTheyStand(ids), e);
        }
    }

    /**
     * For a run that did not end: each unfinished task's state and rollback row in history, and its events on the
     * topic (what the broker said), so that the failure can be read from the report alone.
     */
    private String whereTheyStand(String[] ids) {
        StringBuilder out = new StringBuilder();
        try (Connection c = suite.database();
                PreparedStatement s = c.prepareStatement("SELECT i.id, t.state, t.last_sequence, r.status,"
                        + " r.compensation_attempts, r.compensation_deadline, r.requested_at, f.state, f.last_sequence"
                        + " FROM unnest(?::text[]) AS i(id) LEFT JOIN tasks t ON t.task_id = i.id"
                        + " LEFT JOIN rollbacks r ON r.task_id = i.id LEFT JOIN task_fences f ON f.task_id = i.id"
                        + " WHERE t.terminal IS NOT TRUE LIMIT 20")) {
            s.setArray(1, c.createArrayOf("text", ids));
            List<String> unended = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    unended.add(rs.getString(1));
                    out.append(String.format("  %s history=%s/%s rollback=%s attempts=%s deadline=%s requested=%s"
                                    + " fence=%s/%s%n", rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getTimestamp(6), rs.getTimestamp(7),
                            rs.getString(8), rs.getString(9)));
                }
            }
            Map<String, List<TaskEvent>> events = EventsTopic.get(suite).catchUp();
            unended.forEach(id -> out.append("  ").append(id).append(" events: ").append(events.getOrDefault(id,
                    List.of()).stream().map(ev -> ev.getSequence() + ":" + ev.getState()
                            + (ev.getFailure() == null ? "" : "(" + ev.getFailure().getCode() + ")")).toList())
                    .append('\n'));
        } catch (Exception e) {
            out.append("  (could not look: ").append(e).append(")\n");
        }
        return out.toString();
    }

    /**
     * How the tasks ended, by terminal state, for the report; and {@code retried}: how many of them were tried again
     * at least once (ADR 0012), {@code retries}: how many retries there were in all.
     */
    Map<String, Long> outcomes(Collection<String> taskIds) throws SQLException {
        Map<String, Long> outcomes = new TreeMap<>();
        try (Connection c = suite.database();
                PreparedStatement s = c.prepareStatement("SELECT state, count(*) FROM tasks WHERE task_id = ANY (?)"
                        + " GROUP BY state")) {
            s.setArray(1, c.createArrayOf("text", taskIds.toArray(new String[0])));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    outcomes.put(rs.getString(1), rs.getLong(2));
                }
            }
            Object ids = taskIds.toArray(new String[0]);
            outcomes.put("retried", count(c, "SELECT count(DISTINCT task_id) FROM task_events WHERE task_id = ANY (?)"
                    + " AND state = 'RETRY_WAITING'", ids));
            outcomes.put("retries", count(c, "SELECT count(*) FROM task_events WHERE task_id = ANY (?)"
                    + " AND state = 'RETRY_WAITING'", ids));
        }
        return outcomes;
    }

    /**
     * The violations of each invariant.
     *
     * @param taskIds    every task the client was told was accepted
     * @param keyPrefix  the prefix of every document these tasks could change
     * @param counters   counter documents that only {@code document/increment} tasks changed
     * @param lockedKeys every key these tasks declared: each must be free now
     */
    Map<String, Long> check(Collection<String> taskIds, String keyPrefix, List<String> counters,
            Collection<String> lockedKeys) throws SQLException {
        String[] ids = taskIds.toArray(new String[0]);
        Map<String, Long> violations = new LinkedHashMap<>();
        Map<String, String> endInHistory = new HashMap<>();
        try (Connection c = suite.database()) {
            violations.put(ONE_TERMINAL_STATE, count(c,
                    "SELECT count(*) FROM unnest(?::text[]) AS a(task_id) WHERE (SELECT count(*) FROM task_events e"
                            + " WHERE e.task_id = a.task_id AND e.state IN ('SUCCEEDED','ROLLED_BACK','ROLLBACK_FAILED',"
                            + "'REJECTED')) <> 1", (Object) ids));
            try (PreparedStatement s = c.prepareStatement("SELECT task_id, state FROM tasks WHERE task_id = ANY (?)")) {
                s.setArray(1, c.createArrayOf("text", ids));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        endInHistory.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            violations.put(NO_CHANGE_WITHOUT_SUCCESS, count(c,
                    "SELECT count(*) FROM documents d WHERE d.key LIKE ? AND NOT EXISTS (SELECT 1 FROM tasks t"
                            + " WHERE t.task_id = d.updated_by AND t.state = 'SUCCEEDED') AND d.updated_by NOT LIKE"
                            + " 'rollback:%'", keyPrefix + "%"));
            violations.put(NO_WRITE_AFTER_SEAL, count(c,
                    "SELECT count(*) FROM snapshots s JOIN task_fences f USING (task_id) WHERE f.sealed"
                            + " AND s.taken_at > f.sealed_at AND s.task_id = ANY (?)", (Object) ids));
            violations.put(ONE_RESULT, count(c,
                    "SELECT count(*) FROM (SELECT task_id FROM task_events WHERE task_id = ANY (?) AND state IN"
                            + " ('SUCCEEDED','FAILED') GROUP BY task_id, attempt HAVING count(*) > 1) twice", (Object) ids)
                    + count(c, "SELECT count(*) FROM (SELECT task_id FROM task_events WHERE task_id = ANY (?) AND"
                            + " state = 'SUCCEEDED' GROUP BY task_id HAVING count(*) > 1) twice", (Object) ids));
            // An attempt followed by another was undone: each of its document writes restored.
            violations.put(FAILED_ATTEMPTS_UNDONE, count(c,
                    "SELECT count(*) FROM snapshots s WHERE s.task_id = ANY (?) AND s.kind = 'DOCUMENT'"
                            + " AND s.restored_at IS NULL AND s.fencing_token < (SELECT max(e.fencing_token)"
                            + " FROM task_events e WHERE e.task_id = s.task_id AND e.state = 'DISPATCHED')",
                    (Object) ids));
            // The broker's terminal state (history's task summary comes from its events) against the history
            // service's own record of the rollback.
            // A dispatched task that the broker ended ROLLED_BACK or ROLLBACK_FAILED must have history's rollback,
            // ended the same way; a succeeded task must have none.
            violations.put(BROKER_AND_HISTORY_AGREE, count(c,
                    "SELECT count(*) FROM tasks t LEFT JOIN rollbacks r USING (task_id) WHERE t.task_id = ANY (?)"
                            + " AND t.terminal AND ((t.state = 'SUCCEEDED' AND r.task_id IS NOT NULL AND r.fencing_token"
                            // A retried task's rollback of an earlier attempt is no disagreement (ADR 0012).
                            + " >= (SELECT max(e.fencing_token) FROM task_events e WHERE e.task_id = t.task_id))"
                            + " OR (t.state IN ('ROLLED_BACK', 'ROLLBACK_FAILED') AND EXISTS (SELECT 1 FROM task_events"
                            + " d WHERE d.task_id = t.task_id AND d.state = 'DISPATCHED')"
                            + " AND (r.task_id IS NULL OR r.status <> t.state)))", (Object) ids));
            // A task holds its keys from its DISPATCHED event to its terminal one; every write lies in between.
            // A missing DISPATCHED or terminal event counts as outside (all tasks have ended when this runs).
            violations.put(WRITES_UNDER_LOCK, count(c,
                    "SELECT count(*) FROM snapshots s WHERE s.task_id = ANY (?) AND s.kind = 'DOCUMENT' AND ("
                            + " s.taken_at < COALESCE((SELECT min(e.occurred_at) FROM task_events e WHERE e.task_id ="
                            + " s.task_id AND e.state = 'DISPATCHED'), 'infinity') - interval '" + CLOCK_MARGIN_MS
                            + " milliseconds' OR s.taken_at > COALESCE((SELECT max(e.occurred_at) FROM task_events e"
                            + " WHERE e.task_id = s.task_id AND e.state IN ('SUCCEEDED','ROLLED_BACK',"
                            + " 'ROLLBACK_FAILED')), '-infinity') + interval '" + CLOCK_MARGIN_MS + " milliseconds')",
                    (Object) ids));
            externalActions(c, ids, violations);
            long wrongCounters = 0;
            long overlaps = 0;
            for (String counter : counters) {
                // Every task that wrote the counter, accepted by this client or not (a reply lost in a crash).
                long succeeded = count(c, "SELECT count(*) FROM tasks t WHERE t.state = 'SUCCEEDED' AND EXISTS"
                        + " (SELECT 1 FROM snapshots s WHERE s.task_id = t.task_id AND s.document_key = ?)", counter);
                long value = count(c, "SELECT coalesce((SELECT (value->>'value')::bigint FROM documents WHERE key = ?),"
                        + " 0)", counter);
                wrongCounters += Math.abs(value - succeeded);
                overlaps += overlappingRuns(c, counter);
            }
            if (!counters.isEmpty()) {
                violations.put(COUNTERS_EXACT, wrongCounters);
                violations.put(NEVER_TWO_AT_ONCE, overlaps);
            }
        }
        checkEventsTopic(taskIds, endInHistory, violations);
        violations.put(NO_LOCK_HELD, heldLocks(lockedKeys));
        return violations;
    }

    /**
     * External actions (the suite's HTTP function): each attempt's action ran at most once, and the undo recorded
     * before it ran was executed for every rolled-back task and every attempt followed by another (a retry, ADR
     * 0012), and for no other (each undo record once, by its key).
     */
    private void externalActions(Connection c, String[] ids, Map<String, Long> violations) throws SQLException {
        long twice = 0;
        long wrongUndo = 0;
        java.util.Set<String> expectedUndo = new java.util.HashSet<>();
        // The action of an attempt is called with the Idempotency-Key taskId:attempt.
        try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT e.task_id, e.attempt FROM task_events e"
                + " WHERE e.task_id = ANY (?) AND e.topic = 'http' AND e.state = 'DISPATCHED'")) {
            s.setArray(1, c.createArrayOf("text", ids));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    twice += suite.functions.actionCalls(rs.getString(1) + ":" + rs.getInt(2)) > 1 ? 1 : 0;
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement("SELECT s.task_id, s.seq, t.state, s.fencing_token < (SELECT"
                + " max(e.fencing_token) FROM task_events e WHERE e.task_id = s.task_id AND e.state = 'DISPATCHED')"
                + " FROM snapshots s JOIN tasks t USING (task_id) WHERE s.task_id = ANY (?) AND s.kind = 'EXTERNAL'")) {
            s.setArray(1, c.createArrayOf("text", ids));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String task = rs.getString(1);
                    String undoKey = task + ":undo:" + rs.getInt(2);
                    if ("ROLLED_BACK".equals(rs.getString(3)) || rs.getBoolean(4)) {
                        expectedUndo.add(undoKey);
                        wrongUndo += suite.functions.undoCalls(undoKey) == 0 ? 1 : 0;
                    }
                }
            }
        }
        for (String key : suite.functions.undoKeysOf(java.util.Set.of(ids))) {
            wrongUndo += expectedUndo.contains(key) ? 0 : 1;
        }
        violations.put(ONE_EXECUTION_PER_ATTEMPT, twice);
        violations.put(UNDO_ONCE, wrongUndo);
    }

    /**
     * Successful runs of the tasks that wrote one counter, in start order: each must have started after the one before
     * finished, as the worker's own clock saw it (all workers here share one clock).
     */
    private static long overlappingRuns(Connection c, String counter) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT r.started_at, r.finished_at FROM task_results r"
                + " JOIN tasks t USING (task_id) WHERE t.state = 'SUCCEEDED' AND r.kind = 'EXECUTE' AND r.succeeded"
                + " AND EXISTS (SELECT 1 FROM snapshots s WHERE s.task_id = r.task_id AND s.document_key = ?)"
                + " ORDER BY r.started_at")) {
            s.setString(1, counter);
            long overlaps = 0;
            Timestamp previousEnd = null;
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (previousEnd != null && rs.getTimestamp(1).before(previousEnd)) {
                        overlaps++;
                    }
                    previousEnd = rs.getTimestamp(2);
                }
            }
            return overlaps;
        }
    }

    private void checkEventsTopic(Collection<String> taskIds, Map<String, String> endInHistory,
            Map<String, Long> violations) {
        Map<String, List<TaskEvent>> events = EventsTopic.get(suite).catchUp();
        long outOfOrder = 0;
        long disagree = 0;
        for (String id : taskIds) {
            List<TaskEvent> seen = events.getOrDefault(id, List.of());
            List<TaskEvent> terminals = new ArrayList<>(seen.stream().filter(e -> TERMINAL.contains(e.getState())).toList());
            boolean inOrder = !seen.isEmpty() && terminals.size() == 1 && seen.get(seen.size() - 1) == terminals.get(0);
            for (int i = 0; inOrder && i < seen.size(); i++) {
                inOrder = seen.get(i).getSequence() == i + 1;
            }
            outOfOrder += inOrder ? 0 : 1;
            String topicEnd = terminals.isEmpty() ? null : terminals.get(0).getState().toString();
            disagree += topicEnd != null && topicEnd.equals(endInHistory.get(id)) ? 0 : 1;
        }
        violations.put(EVENTS_IN_ORDER, outOfOrder);
        violations.put(TOPIC_AGREES_WITH_HISTORY, disagree);
    }

    /** A key still locked would keep a new task on it queued: one short task per key must succeed at once. */
    private long heldLocks(Collection<String> keys) {
        long held = 0;
        for (String key : keys) {
            Suite.Reply reply = suite.post("/tasks?wait=30", Map.of("topic", "noop", "subtype", "run",
                    "changedDocumentKeys", List.of(key), "queueTimeoutMs", 20_000));
            held += "SUCCEEDED".equals(reply.body().path("state").asText()) ? 0 : 1;
        }
        return held;
    }

    static long count(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof String[] array) {
                    s.setArray(i + 1, c.createArrayOf("text", array));
                } else {
                    s.setObject(i + 1, args[i]);
                }
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}

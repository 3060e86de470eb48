package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The checker itself must be able to fail: shown a history with one known breach of each invariant (written straight
 * into the database, as no working service would write it) and a key a running task still holds, it must count each.
 * Without this, "0 violations" in the other tests could mean a checker that never looks.
 */
@Tag("e2e")
class InvariantCheckerE2ETest {

    private final Suite suite = Suite.get();
    private final String run = "checker/" + UUID.randomUUID().toString().substring(0, 8) + "/";

    @Test
    void shouldCountEveryKindOfViolationItIsShown() throws Exception {
        String rolledBack = run + "rolled-back";
        String first = run + "first-increment";
        String second = run + "second-increment";
        String counter = run + "counter";
        String calledTwice = run + "called-twice";
        Instant t0 = Instant.now().minusSeconds(60);
        try (Connection c = suite.database()) {
            // A task that ended twice (SUCCEEDED and ROLLED_BACK) and so also got two results (SUCCEEDED and FAILED).
            task(c, rolledBack, "ROLLED_BACK");
            event(c, rolledBack, 1, "FAILED", t0);
            event(c, rolledBack, 2, "SUCCEEDED", t0);
            event(c, rolledBack, 3, "ROLLED_BACK", t0);
            // It left a document changed, and a write was taken after its seal.
            sql(c, "INSERT INTO documents (key, value, version, updated_at, updated_by) VALUES (?, '{}'::jsonb, 1, now(), ?)",
                    run + "left-changed", rolledBack);
            sql(c, "INSERT INTO task_fences (task_id, topic, state, fencing_token, sealed, sealed_at) VALUES"
                    + " (?, 'document', 'ROLLED_BACK', 1, TRUE, ?)", rolledBack, Timestamp.from(t0));
            snapshot(c, rolledBack, 1, run + "left-changed", t0.plusSeconds(1));
            // Two increments that both succeeded, ran at overlapping times, and left the counter at 1, not 2.
            for (String increment : List.of(first, second)) {
                task(c, increment, "SUCCEEDED");
                event(c, increment, 1, "SUCCEEDED", t0);
                snapshot(c, increment, 1, counter, t0);
            }
            result(c, first, t0, t0.plusSeconds(10));
            result(c, second, t0.plusSeconds(5), t0.plusSeconds(15));
            sql(c, "INSERT INTO documents (key, value, version, updated_at, updated_by) VALUES"
                    + " (?, '{\"value\": 1}'::jsonb, 2, now(), ?)", counter, second);
            // The first increment wrote before it was dispatched; the rolled-back task's write came after its end; the
            // second increment's write has no dispatch at all.
            event(c, first, 2, "DISPATCHED", t0.plusSeconds(1));
            event(c, rolledBack, 0, "DISPATCHED", t0);
            // History says the rolled-back task's rollback failed, and keeps a rollback for a task that succeeded.
            sql(c, "INSERT INTO rollbacks (task_id, cause, status, restored_documents, external_actions, requested_at,"
                    + " started_at) VALUES (?, 'FAILED', 'ROLLBACK_FAILED', 0, 1, now(), now())", rolledBack);
            // (Of its only attempt, token 1: a rollback of an earlier attempt of a retried task would be no finding.)
            sql(c, "INSERT INTO rollbacks (task_id, cause, status, restored_documents, external_actions, requested_at,"
                    + " started_at, fencing_token) VALUES (?, 'FAILED', 'ROLLED_BACK', 0, 0, now(), now(), 1)", second);
            // The rolled-back task recorded an external action whose undo never reached the function.
            sql(c, "INSERT INTO snapshots (task_id, seq, kind, handler_topic, handler_subtype, undo, fencing_token,"
                    + " taken_at) VALUES (?, 2, 'EXTERNAL', 'http', 'call', '{}'::jsonb, 1, ?)", rolledBack,
                    Timestamp.from(t0));
            // An attempt whose external action was executed twice.
            task(c, calledTwice, "SUCCEEDED");
            sql(c, "INSERT INTO task_events (task_id, sequence, state, topic, subtype, source, occurred_at, attempt,"
                    + " fencing_token) VALUES (?, 1, 'DISPATCHED', 'http', 'call', 'checker-test', ?, 1, 1)",
                    calledTwice, Timestamp.from(t0));
            event(c, calledTwice, 2, "SUCCEEDED", t0);
            // It was retried (ADR 0012): attempt 2 ran under token 2, yet a write of attempt 1 was never restored.
            sql(c, "INSERT INTO task_events (task_id, sequence, state, topic, subtype, source, occurred_at, attempt,"
                    + " fencing_token) VALUES (?, 3, 'DISPATCHED', 'http', 'call', 'checker-test', ?, 2, 2)",
                    calledTwice, Timestamp.from(t0));
            snapshot(c, calledTwice, 1, run + "attempt-1-write", t0);
        }
        for (int i = 0; i < 2; i++) {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(suite.functions.url()))
                    .header("Idempotency-Key", calledTwice + ":1").POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(), HttpResponse.BodyHandlers.discarding());
        }
        // A key held by a task that is still running.
        String held = run + "held";
        Suite.Reply holder = suite.post("/tasks?wait=0", Map.of("topic", "document", "subtype", "batch",
                "arguments", Map.of("operations", List.of(Map.of("op", "wait", "ms", 60_000))),
                "changedDocumentKeys", List.of(held), "timeoutMs", 90_000));
        String holderId = holder.body().path("taskId").asText();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                "DISPATCHED".equals(suite.get("/tasks/" + holderId).body().path("state").asText()));

        Map<String, Long> violations = new InvariantChecker(suite).check(List.of(rolledBack, first, second,
                calledTwice), run, List.of(counter), List.of(held));

        assertThat(violations).containsEntry(InvariantChecker.ONE_TERMINAL_STATE, 1L)
                .containsEntry(InvariantChecker.ONE_RESULT, 1L)
                .containsEntry(InvariantChecker.NO_CHANGE_WITHOUT_SUCCESS, 1L)
                .containsEntry(InvariantChecker.NO_WRITE_AFTER_SEAL, 1L)
                .containsEntry(InvariantChecker.COUNTERS_EXACT, 1L)
                .containsEntry(InvariantChecker.NEVER_TWO_AT_ONCE, 1L)
                .containsEntry(InvariantChecker.WRITES_UNDER_LOCK, 3L)
                .containsEntry(InvariantChecker.BROKER_AND_HISTORY_AGREE, 2L)
                .containsEntry(InvariantChecker.UNDO_ONCE, 1L)
                .containsEntry(InvariantChecker.ONE_EXECUTION_PER_ATTEMPT, 1L)
                .containsEntry(InvariantChecker.FAILED_ATTEMPTS_UNDONE, 1L)
                // None of the four is on the events topic: no working broker wrote them.
                .containsEntry(InvariantChecker.EVENTS_IN_ORDER, 4L)
                .containsEntry(InvariantChecker.TOPIC_AGREES_WITH_HISTORY, 4L)
                .containsEntry(InvariantChecker.NO_LOCK_HELD, 1L);
        suite.delete("/tasks/" + holderId);
    }

    private static void task(Connection c, String id, String state) throws SQLException {
        sql(c, "INSERT INTO tasks (task_id, topic, subtype, source, state, last_sequence, first_seen_at, updated_at,"
                + " terminal) VALUES (?, 'document', 'increment', 'checker-test', ?, 1, now(), now(), TRUE)", id, state);
    }

    private static void event(Connection c, String id, int sequence, String state, Instant at) throws SQLException {
        sql(c, "INSERT INTO task_events (task_id, sequence, state, topic, subtype, source, occurred_at, attempt,"
                + " fencing_token) VALUES (?, ?, ?, 'document', 'increment', 'checker-test', ?, 1, 1)", id, sequence,
                state, Timestamp.from(at));
    }

    private static void snapshot(Connection c, String id, int seq, String key, Instant at) throws SQLException {
        sql(c, "INSERT INTO snapshots (task_id, seq, kind, document_key, fencing_token, taken_at) VALUES"
                + " (?, ?, 'DOCUMENT', ?, 1, ?)", id, seq, key, Timestamp.from(at));
    }

    private static void result(Connection c, String id, Instant started, Instant finished) throws SQLException {
        sql(c, "INSERT INTO task_results (task_id, kind, attempt, fencing_token, succeeded, worker_id, started_at,"
                + " finished_at) VALUES (?, 'EXECUTE', 1, 1, TRUE, 'checker-test', ?, ?)", id, Timestamp.from(started),
                Timestamp.from(finished));
    }

    private static void sql(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        }
    }
}

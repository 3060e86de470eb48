package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.Postgres;
import io.stackl.tasks.infra.ServiceProcess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Faults under load, the short CI profile: while tasks flow through the gateway, each service is killed with SIGKILL
 * and restarted, one after the other; then an invariant checker reads the history database. Recovery times and the
 * counts are printed for the record.
 */
@Tag("e2e")
class FaultsE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int COUNTERS = 4;

    private final Suite suite = Suite.get();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();

    @Test
    void shouldKeepEveryInvariantWhenEachServiceIsKilledWhileTasksFlow() throws Exception {
        awaitWorking();
        AtomicBoolean loading = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            while (loading.get()) {
                submitOne();
            }
        }, "e2e-load");
        load.start();
        Map<String, Long> recoveryMs = new LinkedHashMap<>();
        try {
            Thread.sleep(3_000);
            for (Function<Suite, ServiceProcess> victim : List.<Function<Suite, ServiceProcess>>of(
                    s -> s.worker, s -> s.broker, s -> s.history, s -> s.gateway)) {
                ServiceProcess target = victim.apply(suite);
                long killedAt = System.nanoTime();
                suite.crashAndRestart(target);
                awaitWorking();
                recoveryMs.put(target.name(), (System.nanoTime() - killedAt) / 1_000_000);
                Thread.sleep(3_000);
            }
        } finally {
            loading.set(false);
            load.join();
        }

        awaitAllEnded();
        Map<String, Long> violations = check();
        System.out.printf("faults e2e: %d tasks accepted, 4 faults (kill -9 worker, broker, history, gateway),"
                + " recovery ms %s, violations %s%n", accepted.size(), recoveryMs, violations);
        assertThat(accepted).hasSizeGreaterThan(20);
        assertThat(violations).allSatisfy((invariant, count) -> assertThat(count).as(invariant).isZero());
    }

    /** One task of the mix: counter increments (locks), batches that fail half way (rollback), plain puts. */
    private void submitOne() {
        int kind = ThreadLocalRandom.current().nextInt(10);
        String counter = "faults/" + run + "/counter-" + ThreadLocalRandom.current().nextInt(COUNTERS);
        Map<String, Object> task;
        if (kind < 6) {
            task = Map.of("topic", "document", "subtype", "increment", "arguments", Map.of("key", counter),
                    "changedDocumentKeys", List.of(counter), "queueTimeoutMs", 60_000, "timeoutMs", 10_000);
        } else if (kind < 8) {
            String key = "faults/" + run + "/doc-" + ThreadLocalRandom.current().nextInt(10);
            task = Map.of("topic", "document", "subtype", "batch", "arguments", Map.of("operations", List.of(
                            Map.of("op", "put", "key", key, "value", Map.of("by", "failing")),
                            Map.of("op", "patch", "key", key + "-missing", "value", Map.of("x", 1)))),
                    "changedDocumentKeys", List.of(key, key + "-missing"), "queueTimeoutMs", 60_000,
                    "timeoutMs", 10_000);
        } else {
            String key = "faults/" + run + "/doc-" + ThreadLocalRandom.current().nextInt(10);
            task = Map.of("topic", "document", "subtype", "put", "arguments", Map.of("key", key,
                    "value", Map.of("by", "put")), "changedDocumentKeys", List.of(key), "queueTimeoutMs", 60_000,
                    "timeoutMs", 10_000);
        }
        try {
            Suite.Reply reply = suite.post("/tasks?wait=0", task);
            if (reply.status() == 200 || reply.status() == 202) {
                accepted.add(reply.body().path("taskId").asText());
            }
            Thread.sleep(50);
        } catch (RuntimeException gatewayDown) {
            sleepQuietly(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitWorking() {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> suite.post("/tasks?wait=10", Map.of("topic", "noop", "subtype", "run")).status() == 200);
    }

    private void awaitAllEnded() throws SQLException {
        Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            try (Connection c = db();
                    PreparedStatement s = c.prepareStatement("SELECT count(*) FROM tasks WHERE task_id = ANY (?)"
                            + " AND terminal")) {
                s.setArray(1, c.createArrayOf("text", accepted.toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == accepted.size();
                }
            }
        });
    }

    /** Counts the violations of each invariant. */
    private Map<String, Long> check() throws SQLException {
        Map<String, Long> violations = new LinkedHashMap<>();
        try (Connection c = db()) {
            String[] ids = accepted.toArray(new String[0]);
            violations.put("every accepted task has exactly one terminal state", count(c,
                    "SELECT count(*) FROM unnest(?::text[]) AS a(task_id) WHERE (SELECT count(*) FROM task_events e"
                            + " WHERE e.task_id = a.task_id AND e.state IN ('SUCCEEDED','ROLLED_BACK','ROLLBACK_FAILED',"
                            + "'REJECTED')) <> 1", (Object) ids));
            violations.put("no document is left changed by a task that did not succeed", count(c,
                    "SELECT count(*) FROM documents d WHERE d.key LIKE ? AND NOT EXISTS (SELECT 1 FROM tasks t"
                            + " WHERE t.task_id = d.updated_by AND t.state = 'SUCCEEDED') AND d.updated_by NOT LIKE"
                            + " 'rollback:%'", "faults/" + run + "/%"));
            violations.put("no write was accepted after its task was sealed", count(c,
                    "SELECT count(*) FROM snapshots s JOIN task_fences f USING (task_id) WHERE f.sealed"
                            + " AND s.taken_at > f.sealed_at AND s.task_id = ANY (?)", (Object) ids));
            violations.put("no task was given two results", count(c,
                    "SELECT count(*) FROM (SELECT task_id FROM task_events WHERE task_id = ANY (?) AND state IN"
                            + " ('SUCCEEDED','FAILED') GROUP BY task_id HAVING count(*) > 1) twice", (Object) ids));
            long lostUpdates = 0;
            for (int i = 0; i < COUNTERS; i++) {
                String counter = "faults/" + run + "/counter-" + i;
                long succeeded = count(c, "SELECT count(*) FROM task_events e JOIN tasks t USING (task_id) WHERE"
                        + " e.state = 'SUCCEEDED' AND t.subtype = 'increment' AND e.task_id = ANY (?) AND EXISTS"
                        + " (SELECT 1 FROM snapshots s WHERE s.task_id = e.task_id AND s.document_key = ?)", ids, counter);
                long value = count(c, "SELECT coalesce((SELECT (value->>'value')::bigint FROM documents WHERE key = ?),"
                        + " 0)", counter);
                lostUpdates += Math.abs(value - succeeded);
            }
            violations.put("counters equal their succeeded increments (locks held, no lost or extra update)",
                    lostUpdates);
        }
        // No lock is still held: a new task on every key is dispatched and succeeds at once.
        long stuck = 0;
        for (int i = 0; i < COUNTERS; i++) {
            String counter = "faults/" + run + "/counter-" + i;
            Suite.Reply reply = suite.post("/tasks?wait=30", Map.of("topic", "document", "subtype", "put",
                    "arguments", Map.of("key", counter + "-probe", "value", 1),
                    "changedDocumentKeys", List.of(counter, counter + "-probe"), "queueTimeoutMs", 20_000));
            stuck += "SUCCEEDED".equals(reply.body().path("state").asText()) ? 0 : 1;
        }
        violations.put("no lock is still held", stuck);
        return violations;
    }

    private Connection db() throws SQLException {
        LocalInfrastructure infra = suite.infra;
        return DriverManager.getConnection(infra.postgres().jdbcUrl(LocalInfrastructure.APP_DATABASE), Postgres.USER, "");
    }

    private static long count(Connection c, String sql, Object... args) throws SQLException {
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

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

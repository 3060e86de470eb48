package io.stackl.tasks.history;

import static io.stackl.tasks.history.InternalCallers.asWorker;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.stackl.tasks.history.config.HistoryConfig;
import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.history.service.FenceArrivals;
import io.stackl.tasks.history.service.HistoryRecorder;
import io.stackl.tasks.infra.InfrastructureTestResource;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A worker's first write can reach the history service before the task's DISPATCHED event does (the broker sends the
 * work item and the event together). The write waits to be told that the event was recorded (ADR 0011). These tests
 * tell the told wake-up from the wait's end: the wait is {@code tasks.history.fence-wait} (2 s), and each write here
 * must be answered in well under half of it.
 */
@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class FenceArrivalsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    HistoryRecorder recorder;

    @Inject
    FenceArrivals arrivals;

    @Inject
    HistoryConfig config;

    @Inject
    DataSource dataSource;

    @Inject
    MeterRegistry meters;

    @Test
    void shouldWakeAWriteThatCameBeforeItsDispatchAsSoonAsTheDispatchIsRecorded() throws Exception {
        assertThat(config.fenceWait()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        awaitTrue("listening for fence arrivals", arrivals::listening);
        String task = Tasks.newId("early");
        String key = "docs/" + task;

        long toldBefore = waits("told");
        CompletableFuture<Response> write = CompletableFuture.supplyAsync(() -> put(task, key));
        // Parked in its wait: it has checked twice and found no fence, so only being told can answer it early.
        awaitTrue("the write waiting for its fence", () -> arrivals.waiters(task) == 1);
        long recorded = System.nanoTime();
        recorder.recordEvents(Tasks.dispatched(task, List.of(key)));
        Response answer = write.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long answeredAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - recorded);

        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(200);
        assertThat(answer.jsonPath().getInt("version")).isEqualTo(1);
        assertThat(answeredAfterMs).as("answered when told, not when the %s wait ended", config.fenceWait())
                .isLessThan(config.fenceWait().toMillis() / 2);
        assertThat(arrivals.waiters(task)).isZero();
        assertThat(waits("told")).isEqualTo(toldBefore + 1);
    }

    /**
     * Announcements are lost while the listening connection is down. Losing it wakes every waiting write (it checks
     * its fence again and, still unknown, is refused at once); the listener connects again and the next early write
     * is woken by its announcement as before.
     */
    @Test
    void shouldWakeWaitingWritesWhenTheListenerLosesItsConnectionAndListenAgain() throws Exception {
        awaitTrue("listening for fence arrivals", arrivals::listening);
        String task = Tasks.newId("orphan");
        long wokenBefore = waits("woken");
        CompletableFuture<Response> write = CompletableFuture.supplyAsync(() -> put(task, "docs/" + task));
        awaitTrue("the write waiting for its fence", () -> arrivals.waiters(task) == 1);

        long cut = System.nanoTime();
        assertThat(terminateListener()).as("listening connections ended").isEqualTo(1);
        Response answer = write.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long answeredAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cut);

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.jsonPath().getString("type")).isEqualTo("/problems/task-not-yet-known");
        assertThat(answeredAfterMs).as("woken by the lost connection, not by the %s wait's end", config.fenceWait())
                .isLessThan(config.fenceWait().toMillis() / 2);
        assertThat(waits("woken")).isEqualTo(wokenBefore + 1);

        awaitTrue("listening again", () -> arrivals.listening() && listenerConnections() == 1);
        shouldWakeAWriteThatCameBeforeItsDispatchAsSoonAsTheDispatchIsRecorded();
    }

    private static Response put(String task, String key) {
        return asWorker().contentType(ContentType.JSON)
                .body(Map.of("taskId", task, "fencingToken", 1, "value", Map.of("n", 1)))
                .put("/documents/{key}", key).andReturn();
    }

    private long waits(String outcome) {
        return meters.timer(HistoryMetrics.FENCE_WAITS, "outcome", outcome).count();
    }

    private int terminateListener() throws SQLException {
        return count("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
                + " WHERE application_name = '" + FenceArrivals.APPLICATION_NAME + "' AND datname = current_database()");
    }

    private int listenerConnections() {
        try {
            return count("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                    + FenceArrivals.APPLICATION_NAME + "' AND datname = current_database()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private int count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Polled often: the tests time what follows, not this wait. */
    private static void awaitTrue(String what, BooleanSupplier condition) {
        Awaitility.await(what).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(condition::getAsBoolean);
    }
}

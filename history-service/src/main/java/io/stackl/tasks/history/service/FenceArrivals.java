package io.stackl.tasks.history.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells a waiting write that its task's fence has just been recorded (ADR 0011). The recorder sends a PostgreSQL
 * {@code NOTIFY} on channel {@value #CHANNEL} with the task id in the transaction that records a DISPATCHED event;
 * PostgreSQL delivers it when that transaction commits, to every instance of the service, so a write waits for the
 * fence at no cost whichever instance recorded it. Nothing is polled: a waiting write holds a thread, but no
 * connection and no lock. When the listening connection is down, nobody waits (the write is answered 503 at once,
 * and the worker tries again, as before).
 */
@ApplicationScoped
public class FenceArrivals {

    public static final String CHANNEL = "task_fences";
    private static final Logger LOG = Logger.getLogger(FenceArrivals.class);
    /** How long one wait for notifications blocks, so that the listener notices a stop. */
    private static final int LISTEN_POLL_MS = 500;

    private final DataSource dataSource;
    private final Map<String, Set<CountDownLatch>> waiting = new ConcurrentHashMap<>();
    private volatile boolean listening;
    private volatile boolean running;
    private Thread listener;

    FenceArrivals(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        listener = new Thread(this::listen, "fence-arrivals");
        listener.setDaemon(true);
        listener.start();
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        if (listener != null) {
            listener.join(LISTEN_POLL_MS * 4L);
        }
    }

    /** A registration for one task's fence, made before the caller checks the fence once more. */
    public final class Wait implements AutoCloseable {
        private final String taskId;
        private final CountDownLatch arrived = new CountDownLatch(1);

        private Wait(String taskId) {
            this.taskId = taskId;
            // Added inside compute, so that a concurrent close cannot drop the set this latch goes into.
            waiting.compute(taskId, (id, latches) -> {
                Set<CountDownLatch> set = latches == null ? ConcurrentHashMap.newKeySet() : latches;
                set.add(arrived);
                return set;
            });
        }

        /** Whether the fence was recorded within {@code max}; false at once when nobody listens. */
        public boolean await(Duration max) throws InterruptedException {
            return listening && arrived.await(max.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            waiting.computeIfPresent(taskId, (id, latches) -> {
                latches.remove(arrived);
                return latches.isEmpty() ? null : latches;
            });
        }
    }

    /**
     * Registers for the fence of {@code taskId}. Register first, then check the fence again, then wait: a fence
     * recorded between the two checks is either seen by the second check or notified to the registration.
     */
    public Wait register(String taskId) {
        return new Wait(taskId);
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement s = connection.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                listening = true;
                while (running) {
                    PGNotification[] arrivals = pg.getNotifications(LISTEN_POLL_MS);
                    if (arrivals == null) {
                        continue;
                    }
                    for (PGNotification arrival : arrivals) {
                        Set<CountDownLatch> latches = waiting.get(arrival.getParameter());
                        if (latches != null) {
                            latches.forEach(CountDownLatch::countDown);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (running) {
                    LOG.warnf("not listening for fence arrivals (%s); writes are answered 503 at once meanwhile",
                            e.getMessage());
                    sleepQuietly(1_000);
                }
            } finally {
                listening = false;
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

package io.stackl.tasks.history.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.stackl.tasks.history.config.HistoryConfig;
import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.history.repository.FenceRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.postgresql.Driver;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Tells a waiting write that its task's fence has just been recorded (ADR 0011).
 *
 * <p>After the recorder commits a DISPATCHED event, it sends a PostgreSQL {@code NOTIFY} on channel {@value #CHANNEL}
 * with the task id. PostgreSQL delivers it to every instance of the service, so a write waits for its fence at no cost
 * whichever instance recorded it. Nothing is polled: a waiting write holds a thread, but no connection and no lock.
 *
 * <p>Announcements are lost while the listening connection is down, and a connection that a NAT or a failover drops
 * raises no error by itself; a pooler in transaction mode even answers queries but never delivers. So the listener has
 * a connection of its own (not the pool's, where it would hold a pooled connection for ever), and after
 * {@value #PROBE_EVERY_MS} ms without a notification it announces a probe of its own and must hear it back within
 * {@value #PROBE_TIMEOUT_MS} ms: only a path that delivers counts as listening. Whenever it stops or starts listening,
 * it wakes every waiting write, which checks its fence again. While it does not listen, nobody waits: a write for an
 * unknown task is answered 503 at once, as without it.
 */
@ApplicationScoped
public class FenceArrivals {

    public static final String CHANNEL = "task_fences";
    /** The listening connection's name in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "stackl-fence-arrivals";
    private static final String PROBE_PREFIX = "~probe:";
    private static final String ADDITIONAL_JDBC_PROPERTIES = "quarkus.datasource.jdbc.additional-jdbc-properties.";
    private static final Logger LOG = Logger.getLogger(FenceArrivals.class);
    /** How long one wait for notifications blocks, so that the listener notices a stop and a due probe. */
    private static final int LISTEN_POLL_MS = 250;
    private static final int PROBE_EVERY_MS = 1_000;
    private static final int PROBE_TIMEOUT_MS = 2_000;
    /** How long any query on the listening connection may go unanswered before the connection counts as lost. */
    private static final int SOCKET_TIMEOUT_SECONDS = 5;
    private static final long MAX_RECONNECT_PAUSE_MS = 30_000;

    private final DataSource dataSource;
    private final String jdbcUrl;
    private final Properties connectionProperties;
    private final HistoryMetrics metrics;
    private final Semaphore waitPermits;
    private final Map<String, Set<Wait>> waiting = new ConcurrentHashMap<>();
    private final String probeId = PROBE_PREFIX + UUID.randomUUID();
    private volatile boolean listening;
    private volatile boolean running;
    private Thread listener;

    FenceArrivals(DataSource dataSource, HistoryMetrics metrics, HistoryConfig config, Config allConfig,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String jdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.jdbcUrl = jdbcUrl;
        this.waitPermits = new Semaphore(config.fenceMaxWaiters());
        // The pool's own JDBC settings (TLS, say) apply to this connection too.
        Properties properties = new Properties();
        for (String name : allConfig.getPropertyNames()) {
            if (name.startsWith(ADDITIONAL_JDBC_PROPERTIES)) {
                allConfig.getOptionalValue(name, String.class).ifPresent(
                        value -> properties.setProperty(name.substring(ADDITIONAL_JDBC_PROPERTIES.length()), value));
            }
        }
        username.ifPresent(u -> properties.setProperty("user", u));
        password.ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        this.connectionProperties = properties;
        metrics.fenceListening(this, arrivals -> arrivals.listening ? 1 : 0);
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

    /** Whether arrivals are heard now; when not, a write for an unknown task should not wait. */
    public boolean listening() {
        return listening;
    }

    /** How many writes are waiting, now, to be told of the fence of {@code taskId}. */
    public int waiters(String taskId) {
        Set<Wait> waits = waiting.get(taskId);
        return waits == null ? 0 : (int) waits.stream().filter(w -> w.parked).count();
    }

    /** A registration for one task's fence, made before the caller checks the fence once more. */
    public final class Wait implements AutoCloseable {
        private final String taskId;
        private final CountDownLatch arrived = new CountDownLatch(1);
        private volatile boolean parked;
        /** Set when the listener started or stopped, not the task's announcement, ended the wait. */
        private volatile boolean woken;

        private Wait(String taskId) {
            this.taskId = taskId;
            // Added inside compute, so that a concurrent close cannot drop the set this wait goes into.
            waiting.compute(taskId, (id, waits) -> {
                Set<Wait> set = waits == null ? ConcurrentHashMap.newKeySet() : waits;
                set.add(this);
                return set;
            });
        }

        /**
         * Waits until the fence is announced, the listener stops or starts listening (either may have lost an
         * announcement), or {@code max} passes. Returns at once when nobody listens. The caller checks the fence again
         * whatever this returns.
         */
        public void await(Duration max) throws InterruptedException {
            if (!listening) {
                return;
            }
            long started = System.nanoTime();
            parked = true;
            boolean ended;
            try {
                ended = arrived.await(max.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                parked = false;
            }
            String outcome = !ended ? "timed-out" : woken ? "woken" : "told";
            metrics.fenceWaited(outcome, System.nanoTime() - started);
        }

        private void tell() {
            arrived.countDown();
        }

        private void wake() {
            woken = true;
            arrived.countDown();
        }

        @Override
        public void close() {
            waiting.computeIfPresent(taskId, (id, waits) -> {
                waits.remove(this);
                return waits.isEmpty() ? null : waits;
            });
            waitPermits.release();
        }
    }

    /**
     * Registers for the fence of {@code taskId}, or returns empty when the service does not listen or as many writes as
     * {@code tasks.history.fence-max-waiters} wait already (each holds a request thread). Register first, then check
     * the fence again, then wait: a fence committed before the second check is seen by it, and one committed after it
     * is announced to the registration.
     */
    public Optional<Wait> register(String taskId) {
        if (!listening || !waitPermits.tryAcquire()) {
            return Optional.empty();
        }
        return Optional.of(new Wait(taskId));
    }

    /**
     * Announces to every instance that these tasks' fences are recorded. Called after the recording transaction has
     * committed, in a statement of its own: a NOTIFY inside that transaction would take PostgreSQL's cluster-wide
     * notification lock for its whole commit, and so serialise the commits of every replica. A lost announcement costs
     * a waiting write its bound (then 503, and the worker tries again), never correctness.
     */
    public void announce(List<String> taskIds) {
        if (taskIds.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            FenceRepository.notifyArrivals(c, CHANNEL, taskIds);
        } catch (SQLException e) {
            metrics.fenceAnnouncementsLost(taskIds.size());
            LOG.warnf("could not announce %d recorded fences (writes waiting for them are answered 503 when their wait"
                    + " ends): %s", taskIds.size(), e.getMessage());
        }
    }

    private void listen() {
        long pauseMs = 500;
        while (running) {
            try (Connection connection = connect()) {
                try (Statement s = connection.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                hearOnProbe(connection);
                pauseMs = 500;
            } catch (SQLException | RuntimeException e) {
                if (running && (listening || pauseMs == 500)) {
                    LOG.warnf("not listening for fence arrivals (%s); writes for tasks not yet known are answered 503"
                            + " at once meanwhile", e.getMessage());
                }
            } finally {
                if (listening) {
                    listening = false;
                    // Announcements sent from now on are lost: whoever waits checks again.
                    wakeAll();
                }
            }
            if (running) {
                sleepQuietly(pauseMs);
                pauseMs = Math.min(pauseMs * 2, MAX_RECONNECT_PAUSE_MS);
            }
        }
    }

    /**
     * Hears announcements on {@code connection} until the service stops. It counts as listening only once its own
     * probe came back through PostgreSQL, and stops (by throwing) when a probe does not come back in time.
     */
    private void hearOnProbe(Connection connection) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        long probeSent = sendProbe(connection);
        long lastHeard = System.nanoTime();
        while (running) {
            PGNotification[] arrivals = pg.getNotifications(LISTEN_POLL_MS);
            long now = System.nanoTime();
            for (PGNotification arrival : arrivals == null ? new PGNotification[0] : arrivals) {
                lastHeard = now;
                String parameter = arrival.getParameter();
                if (parameter.equals(probeId)) {
                    probeSent = 0;
                    if (!listening) {
                        listening = true;
                        LOG.info("listening for fence arrivals");
                        // Announcements sent before this point were not heard: whoever waits checks again.
                        wakeAll();
                    }
                } else if (!parameter.startsWith(PROBE_PREFIX)) {
                    tell(parameter);
                }
            }
            if (probeSent != 0 && now - probeSent > TimeUnit.MILLISECONDS.toNanos(PROBE_TIMEOUT_MS)) {
                throw new SQLException("the listening connection's probe did not come back within " + PROBE_TIMEOUT_MS
                        + " ms");
            }
            if (probeSent == 0 && now - lastHeard > TimeUnit.MILLISECONDS.toNanos(PROBE_EVERY_MS)) {
                probeSent = sendProbe(connection);
            }
        }
    }

    private long sendProbe(Connection connection) throws SQLException {
        FenceRepository.notifyArrivals(connection, CHANNEL, List.of(probeId));
        return System.nanoTime();
    }

    /** A connection of its own, outside the pool: it is held for as long as the service runs. */
    private Connection connect() throws SQLException {
        Connection connection = new Driver().connect(jdbcUrl, connectionProperties);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL URL: " + jdbcUrl);
        }
        connection.setAutoCommit(true);
        return connection;
    }

    private void tell(String taskId) {
        Set<Wait> waits = waiting.get(taskId);
        if (waits != null) {
            waits.forEach(Wait::tell);
        }
    }

    private void wakeAll() {
        waiting.values().forEach(waits -> waits.forEach(Wait::wake));
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

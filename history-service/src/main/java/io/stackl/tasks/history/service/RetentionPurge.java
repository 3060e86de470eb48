package io.stackl.tasks.history.service;

import static io.stackl.tasks.history.repository.Jdbc.inTransaction;

import io.quarkus.scheduler.Scheduled;
import io.stackl.tasks.history.config.HistoryConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Deletes the history of tasks that ended longer ago than {@code tasks.history.retention.keep}. A task that has not
 * ended (its summary row is not terminal) is never touched, nor are documents: only what records a task.
 */
@ApplicationScoped
public class RetentionPurge {

    private static final Logger LOG = Logger.getLogger(RetentionPurge.class);
    private static final String[] TABLES = {"task_events", "task_results", "snapshots", "rollbacks", "task_fences"};

    private final DataSource dataSource;
    private final HistoryConfig config;

    RetentionPurge(DataSource dataSource, HistoryConfig config) {
        this.dataSource = dataSource;
        this.config = config;
    }

    @Scheduled(every = "${tasks.history.retention.interval:1h}", delayed = "1m")
    void scheduled() {
        if (!config.retention().keep().isZero()) {
            purgeEndedBefore(Instant.now().minus(config.retention().keep()));
        }
    }

    /** Returns how many tasks were purged. */
    public int purgeEndedBefore(Instant cutoff) {
        int purged = inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement("CREATE TEMP TABLE purge_ids ON COMMIT DROP AS"
                    + " SELECT task_id FROM tasks WHERE terminal AND updated_at < ?")) {
                s.setTimestamp(1, Timestamp.from(cutoff));
                s.executeUpdate();
            }
            for (String table : TABLES) {
                try (PreparedStatement s = c.prepareStatement(
                        "DELETE FROM " + table + " WHERE task_id IN (SELECT task_id FROM purge_ids)")) {
                    s.executeUpdate();
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM tasks WHERE task_id IN (SELECT task_id FROM purge_ids)")) {
                return s.executeUpdate();
            }
        });
        if (purged > 0) {
            LOG.infof("history purged for %d tasks that ended before %s", purged, cutoff);
        }
        return purged;
    }
}

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
 * ended (its summary row is not terminal) is never touched, nor are documents: only what records a task. Rows of a
 * task that history has no summary of (a rollback command for a task whose events it never stored, or stored and
 * purged already) go when their own last change is that old.
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
                    + " SELECT task_id FROM tasks WHERE terminal AND updated_at < ?"
                    + " UNION SELECT f.task_id FROM task_fences f WHERE f.updated_at < ?"
                    + " AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.task_id = f.task_id)"
                    + " UNION SELECT r.task_id FROM rollbacks r WHERE COALESCE(r.finished_at, r.started_at) < ?"
                    + " AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.task_id = r.task_id)")) {
                for (int i = 1; i <= 3; i++) {
                    s.setTimestamp(i, Timestamp.from(cutoff));
                }
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

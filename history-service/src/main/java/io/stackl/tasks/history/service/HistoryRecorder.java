package io.stackl.tasks.history.service;

import io.stackl.tasks.history.metrics.HistoryMetrics;
import io.stackl.tasks.history.repository.FenceRepository;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.List;
import javax.sql.DataSource;
import static io.stackl.tasks.history.repository.Jdbc.inTransaction;


/**
 * Stores lifecycle events and results, many per transaction, idempotently: an event is identified by
 * (task, sequence) and a result by (task, kind, attempt, token), so a redelivered batch changes nothing. Events also
 * keep each task's fence (state, token, declared keys) and its summary row current.
 */
@ApplicationScoped
public class HistoryRecorder {

    private final DataSource dataSource;
    private final HistoryMetrics metrics;
    private final FenceArrivals arrivals;

    HistoryRecorder(DataSource dataSource, HistoryMetrics metrics, FenceArrivals arrivals) {
        this.dataSource = dataSource;
        this.metrics = metrics;
        this.arrivals = arrivals;
    }

    /** Stores the events in one transaction with JDBC batches; returns how many were new. */
    public int recordEvents(List<TaskEvent> events) {
        if (events.isEmpty()) {
            return 0;
        }
        long started = System.nanoTime();
        int inserted = inTransaction(dataSource, c -> {
            int fresh = insertEvents(c, events);
            upsertSummaries(c, events);
            FenceRepository.applyEvents(c, events);
            return fresh;
        });
        // After the commit, never inside it (see FenceArrivals.announce).
        arrivals.announce(events.stream().filter(e -> e.getState() == TaskState.DISPATCHED).map(TaskEvent::getTaskId)
                .distinct().toList());
        metrics.eventsStored(events.size(), System.nanoTime() - started);
        return inserted;
    }

    /** The baseline for the batching benchmark: the same work, one event per transaction and statement. */
    public int recordEventsOneByOne(List<TaskEvent> events) {
        int inserted = 0;
        for (TaskEvent event : events) {
            inserted += recordEvents(List.of(event));
        }
        return inserted;
    }

    private static int insertEvents(Connection c, List<TaskEvent> events) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO task_events (task_id, sequence, state, topic, subtype,"
                + " source, occurred_at, attempt, fencing_token, deadline, reason, output, failure_code,"
                + " failure_message, related_task_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (task_id, sequence) DO NOTHING")) {
            for (TaskEvent e : events) {
                s.setString(1, e.getTaskId());
                s.setInt(2, e.getSequence());
                s.setString(3, e.getState().toString());
                s.setString(4, e.getTopic());
                s.setString(5, e.getSubtype());
                s.setString(6, e.getSource());
                s.setTimestamp(7, Timestamp.from(e.getOccurredAt()));
                s.setInt(8, e.getAttempt());
                s.setLong(9, e.getFencingToken());
                s.setTimestamp(10, e.getDeadline() == null ? null : Timestamp.from(e.getDeadline()));
                s.setString(11, e.getReason());
                s.setString(12, e.getOutputJson());
                s.setString(13, e.getFailure() == null ? null : e.getFailure().getCode());
                s.setString(14, e.getFailure() == null ? null : e.getFailure().getMessage());
                s.setString(15, e.getRelatedTaskId());
                s.addBatch();
            }
            int fresh = 0;
            for (int n : s.executeBatch()) {
                fresh += Math.max(n, 0);
            }
            return fresh;
        }
    }

    private static void upsertSummaries(Connection c, List<TaskEvent> events) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO tasks (task_id, topic, subtype, source, state,"
                + " last_sequence, first_seen_at, updated_at, terminal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (task_id) DO UPDATE SET state = EXCLUDED.state, last_sequence = EXCLUDED.last_sequence,"
                + " updated_at = EXCLUDED.updated_at, terminal = EXCLUDED.terminal"
                + " WHERE tasks.last_sequence < EXCLUDED.last_sequence")) {
            for (TaskEvent e : events) {
                s.setString(1, e.getTaskId());
                s.setString(2, e.getTopic());
                s.setString(3, e.getSubtype());
                s.setString(4, e.getSource());
                s.setString(5, e.getState().toString());
                s.setInt(6, e.getSequence());
                s.setTimestamp(7, Timestamp.from(e.getOccurredAt()));
                s.setTimestamp(8, Timestamp.from(e.getOccurredAt()));
                s.setBoolean(9, TaskStates.isTerminal(e.getState()));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Stores results, all of them: the broker decides which count; history keeps late and stale ones too. */
    public int recordResults(List<TaskResult> results) {
        if (results.isEmpty()) {
            return 0;
        }
        return inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO task_results (task_id, kind, attempt,"
                    + " fencing_token, succeeded, output, failure_code, failure_message, retryable, worker_id,"
                    + " started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    + " ON CONFLICT (task_id, kind, attempt, fencing_token) DO NOTHING")) {
                for (TaskResult r : results) {
                    s.setString(1, r.getTaskId());
                    s.setString(2, r.getKind().toString());
                    s.setInt(3, r.getAttempt());
                    s.setLong(4, r.getFencingToken());
                    s.setBoolean(5, r.getSucceeded());
                    s.setString(6, r.getOutputJson());
                    s.setString(7, r.getFailure() == null ? null : r.getFailure().getCode());
                    s.setString(8, r.getFailure() == null ? null : r.getFailure().getMessage());
                    if (r.getFailure() == null) {
                        s.setNull(9, Types.BOOLEAN);
                    } else {
                        s.setBoolean(9, r.getFailure().getRetryable());
                    }
                    s.setString(10, r.getWorkerId());
                    s.setTimestamp(11, Timestamp.from(r.getStartedAt()));
                    s.setTimestamp(12, Timestamp.from(r.getFinishedAt()));
                    s.addBatch();
                }
                int fresh = 0;
                for (int n : s.executeBatch()) {
                    fresh += Math.max(n, 0);
                }
                FenceRepository.sealFinishedAttempts(c, results);
                return fresh;
            }
        });
    }
}

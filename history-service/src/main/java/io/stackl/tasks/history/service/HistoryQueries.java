package io.stackl.tasks.history.service;

import static io.stackl.tasks.history.repository.Jdbc.inTransaction;

import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.history.repository.RollbackRepository;
import io.stackl.tasks.history.repository.RollbackRepository.Rollback;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/** Read side: a task's timeline and results, tasks by state/topic/time, snapshots by task and by document. */
@ApplicationScoped
public class HistoryQueries {

    /** Columns that hold JSON: answered as JSON values, not as strings of JSON. */
    private static final Set<String> JSON_COLUMNS = Set.of("output", "pre_value", "post_value", "undo");

    private final DataSource dataSource;

    HistoryQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Map<String, Object> task(String taskId) {
        Map<String, Object> task = one("SELECT task_id, topic, subtype, source, state, last_sequence, first_seen_at,"
                + " updated_at, terminal FROM tasks WHERE task_id = ?", taskId);
        if (task == null) {
            throw HistoryException.notFound("task", taskId);
        }
        List<Map<String, Object>> events = rows("SELECT sequence, state, occurred_at, attempt, fencing_token,"
                + " deadline, reason, output, failure_code, failure_message, related_task_id FROM task_events"
                + " WHERE task_id = ? ORDER BY sequence", taskId);
        List<Map<String, Object>> results = rows("SELECT kind, attempt, fencing_token, succeeded, output,"
                + " failure_code, failure_message, retryable, worker_id, started_at, finished_at FROM task_results"
                + " WHERE task_id = ? ORDER BY finished_at", taskId);
        task.put("events", events);
        task.put("attempts", Attempts.of(events, results));
        task.put("results", results);
        task.put("rollback", rollback(taskId));
        return task;
    }

    /** The task's rollback record, if it was rolled back: how it ended and what it put back. */
    private Map<String, Object> rollback(String taskId) {
        Rollback rollback = inTransaction(dataSource, c -> RollbackRepository.find(c, taskId));
        if (rollback == null) {
            return null;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("cause", rollback.cause());
        row.put("status", rollback.status());
        row.put("restoredDocuments", rollback.restoredDocuments());
        row.put("externalActions", rollback.externalActions());
        row.put("failureCode", rollback.failureCode());
        row.put("failureMessage", rollback.failureMessage());
        row.put("startedAt", rollback.startedAt());
        row.put("finishedAt", rollback.finishedAt());
        return row;
    }

    /** What a listing of tasks is narrowed to; a null field does not narrow it. */
    public record TaskFilter(String state, String topic, String source, Instant from, Instant to) {

        /** Appends the filter's conditions to {@code sql} (after a WHERE) and their values to {@code args}. */
        void appendTo(StringBuilder sql, List<Object> args) {
            condition(sql, args, " AND state = ?", state);
            condition(sql, args, " AND topic = ?", topic);
            condition(sql, args, " AND source = ?", source);
            condition(sql, args, " AND updated_at >= ?", from == null ? null : Timestamp.from(from));
            condition(sql, args, " AND updated_at < ?", to == null ? null : Timestamp.from(to));
        }

        private static void condition(StringBuilder sql, List<Object> args, String clause, Object value) {
            if (value != null) {
                sql.append(clause);
                args.add(value);
            }
        }
    }

    /** Newest first; page with {@code before} (the {@code updated_at} of the last row of the previous page). */
    public List<Map<String, Object>> tasks(TaskFilter filter, Instant before, int limit) {
        StringBuilder sql = new StringBuilder("SELECT task_id, topic, subtype, source, state, last_sequence,"
                + " first_seen_at, updated_at, terminal FROM tasks WHERE TRUE");
        List<Object> args = new ArrayList<>();
        filter.appendTo(sql, args);
        if (before != null) {
            sql.append(" AND updated_at < ?");
            args.add(Timestamp.from(before));
        }
        sql.append(" ORDER BY updated_at DESC, task_id LIMIT ?");
        args.add(limit);
        return rows(sql.toString(), args.toArray());
    }

    /** How many tasks match {@code filter}, per state (states without any are left out). */
    public Map<String, Long> counts(TaskFilter filter) {
        StringBuilder sql = new StringBuilder("SELECT state, count(*) AS tasks FROM tasks WHERE TRUE");
        List<Object> args = new ArrayList<>();
        filter.appendTo(sql, args);
        sql.append(" GROUP BY state ORDER BY state");
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Map<String, Object> row : rows(sql.toString(), args.toArray())) {
            counts.put((String) row.get("state"), ((Number) row.get("tasks")).longValue());
        }
        return counts;
    }

    public List<Map<String, Object>> snapshotsOfTask(String taskId) {
        return rows("SELECT task_id, seq, kind, document_key, pre_value::text AS pre_value, pre_version,"
                + " post_value::text AS post_value, post_version, post_deleted, handler_topic, handler_subtype,"
                + " undo::text AS undo, fencing_token, taken_at, restored_at, restored_version FROM snapshots"
                + " WHERE task_id = ? ORDER BY seq", taskId);
    }

    public List<Map<String, Object>> snapshotsOfDocument(String key, int limit) {
        return rows("SELECT task_id, seq, kind, document_key, pre_value::text AS pre_value, pre_version,"
                + " post_value::text AS post_value, post_version, post_deleted, fencing_token, taken_at, restored_at,"
                + " restored_version FROM snapshots WHERE document_key = ? ORDER BY taken_at DESC, seq DESC"
                + " LIMIT ?", key, limit);
    }

    private Map<String, Object> one(String sql, Object... args) {
        List<Map<String, Object>> rows = rows(sql, args);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private List<Map<String, Object>> rows(String sql, Object... args) {
        return inTransaction(dataSource, c -> {
            try (PreparedStatement s = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    s.setObject(i + 1, args[i]);
                }
                try (ResultSet rs = s.executeQuery()) {
                    return toMaps(rs);
                }
            }
        });
    }

    private static List<Map<String, Object>> toMaps(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<Map<String, Object>> rows = new ArrayList<>();
        while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                Object value = rs.getObject(i);
                String column = meta.getColumnLabel(i);
                if (JSON_COLUMNS.contains(column) && value instanceof String text) {
                    value = StoredJson.of(text);
                }
                row.put(camel(column), value instanceof Timestamp t ? t.toInstant() : value);
            }
            rows.add(row);
        }
        return rows;
    }

    private static String camel(String column) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char ch : column.toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return out.toString();
    }
}

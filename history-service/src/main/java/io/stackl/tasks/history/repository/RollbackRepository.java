package io.stackl.tasks.history.repository;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * The {@code rollbacks} table: one row per rolled-back task, with its status ({@code AWAITING_COMPENSATION},
 * {@code ROLLED_BACK}, {@code ROLLBACK_FAILED}), what it restored and, while the workers undo external actions, the
 * compensation's deadline, attempts and whether Kafka acknowledged the item.
 */
public final class RollbackRepository {

    private RollbackRepository() {}

    public record Rollback(String cause, String status, int restoredDocuments, int externalActions,
            String failureCode, String failureMessage, Instant startedAt, Instant finishedAt, int compensationAttempts,
            Instant compensationDeadline, Instant compensationSentAt, long fencingToken) {

        public boolean awaitingCompensation() {
            return "AWAITING_COMPENSATION".equals(status);
        }

        public boolean rolledBack() {
            return "ROLLED_BACK".equals(status);
        }
    }

    /** The task's rollback, its row locked until the transaction ends; null if there is none yet. */
    public static Rollback lock(Connection c, String taskId) throws SQLException {
        return select(c, taskId, " FOR UPDATE");
    }

    public static Rollback find(Connection c, String taskId) throws SQLException {
        return select(c, taskId, "");
    }

    private static Rollback select(Connection c, String taskId, String lock) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT cause, status, restored_documents, external_actions,"
                + " failure_code, failure_message, started_at, finished_at, compensation_attempts,"
                + " compensation_deadline, compensation_sent_at, fencing_token FROM rollbacks WHERE task_id = ?"
                + lock)) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Rollback(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4), rs.getString(5),
                        rs.getString(6), instant(rs.getTimestamp(7)), instant(rs.getTimestamp(8)), rs.getInt(9),
                        instant(rs.getTimestamp(10)), instant(rs.getTimestamp(11)), rs.getLong(12));
            }
        }
    }

    /** @param finishedAt null while the rollback waits for the workers */
    public static void insert(Connection c, String taskId, long fencingToken, String cause, String status, int restored,
            int external, String failureCode, String failureMessage, Instant requestedAt, Instant startedAt,
            Instant finishedAt) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO rollbacks (task_id, cause, status,"
                + " restored_documents, external_actions, failure_code, failure_message, requested_at, started_at,"
                + " finished_at, fencing_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, taskId);
            s.setString(2, cause);
            s.setString(3, status);
            s.setInt(4, restored);
            s.setInt(5, external);
            s.setString(6, failureCode);
            s.setString(7, failureMessage);
            s.setTimestamp(8, Timestamp.from(requestedAt));
            s.setTimestamp(9, Timestamp.from(startedAt));
            s.setTimestamp(10, finishedAt == null ? null : Timestamp.from(finishedAt));
            s.setLong(11, fencingToken);
            s.executeUpdate();
        }
    }

    /**
     * Forgets a finished rollback of an earlier attempt, when a later attempt of the same task is rolled back (ADR
     * 0012): the task's row always describes its latest rollback; the events and snapshots keep the earlier one.
     */
    public static void forgetEarlierAttempt(Connection c, String taskId, long beforeToken) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM rollbacks WHERE task_id = ? AND fencing_token < ?"
                + " AND status <> 'AWAITING_COMPENSATION'")) {
            s.setString(1, taskId);
            s.setLong(2, beforeToken);
            s.executeUpdate();
        }
    }

    public static void finish(Connection c, String taskId, boolean rolledBack, String failureCode,
            String failureMessage, Instant at) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET status = ?, failure_code = ?,"
                + " failure_message = ?, finished_at = ? WHERE task_id = ?")) {
            u.setString(1, rolledBack ? "ROLLED_BACK" : "ROLLBACK_FAILED");
            u.setString(2, failureCode);
            u.setString(3, failureMessage);
            u.setTimestamp(4, Timestamp.from(at));
            u.setString(5, taskId);
            u.executeUpdate();
        }
    }

    /**
     * The compensation item now runs until {@code until}, not yet acknowledged by Kafka.
     *
     * @param anotherAttempt whether it is handed out again (counts against the bound), not the first time
     */
    public static void setCompensationDeadline(Connection c, String taskId, Instant until, boolean anotherAttempt)
            throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET compensation_deadline = ?,"
                + " compensation_sent_at = NULL, compensation_attempts = compensation_attempts + ? WHERE task_id = ?")) {
            u.setTimestamp(1, Timestamp.from(until));
            u.setInt(2, anotherAttempt ? 1 : 0);
            u.setString(3, taskId);
            u.executeUpdate();
        }
    }

    /** Kafka acknowledged the compensation item that runs until {@code deadline} (if it is still the current one). */
    public static int markCompensationSent(Connection c, String taskId, Instant deadline) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("UPDATE rollbacks SET compensation_sent_at = now()"
                + " WHERE task_id = ? AND status = 'AWAITING_COMPENSATION' AND compensation_deadline = ?")) {
            u.setString(1, taskId);
            u.setTimestamp(2, Timestamp.from(deadline));
            return u.executeUpdate();
        }
    }

    private static Instant instant(Timestamp at) {
        return at == null ? null : at.toInstant();
    }
}

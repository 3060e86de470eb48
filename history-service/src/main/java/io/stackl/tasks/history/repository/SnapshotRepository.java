package io.stackl.tasks.history.repository;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code snapshots} table: what a task changed, in order. A {@code DOCUMENT} snapshot is a document's pre-image,
 * taken before the task wrote it; an {@code EXTERNAL} one is the undo record of an action outside the system.
 */
public final class SnapshotRepository {

    private SnapshotRepository() {}

    /** A snapshot not yet restored; document fields or undo fields are null depending on its kind. */
    public record Snapshot(int seq, String kind, String documentKey, String preValue, Long preVersion,
            String handlerTopic, String handlerSubtype, String undoJson) {

        public boolean isDocument() {
            return "DOCUMENT".equals(kind);
        }
    }

    /** A document snapshot that a rollback restored: its pre-image, and the version it was restored under. */
    public record RestoredDocument(int seq, String documentKey, String preValue, Long restoredVersion,
            Instant restoredAt) {}

    /**
     * @param postValue what the write leaves, null for a delete
     * @param postVersion the version it leaves, null for a delete
     */
    public static void insertDocument(Connection c, String taskId, int seq, String key, String preValue,
            Long preVersion, String postValue, Long postVersion, long fencingToken) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO snapshots (task_id, seq, kind, document_key,"
                + " pre_value, pre_version, post_value, post_version, post_deleted, fencing_token, taken_at)"
                + " VALUES (?, ?, 'DOCUMENT', ?, ?::jsonb, ?, ?::jsonb, ?, ?, ?,"
                // The time it was taken under the fence lock, not the transaction's start (now()).
                + " clock_timestamp())")) {
            s.setString(1, taskId);
            s.setInt(2, seq);
            s.setString(3, key);
            s.setString(4, preValue);
            s.setObject(5, preVersion);
            s.setString(6, postValue);
            s.setObject(7, postVersion);
            s.setBoolean(8, postValue == null);
            s.setLong(9, fencingToken);
            s.executeUpdate();
        }
    }

    public static void insertExternal(Connection c, String taskId, int seq, String handlerTopic,
            String handlerSubtype, String undoJson, long fencingToken) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO snapshots (task_id, seq, kind, handler_topic,"
                + " handler_subtype, undo, fencing_token, taken_at) VALUES (?, ?, 'EXTERNAL', ?, ?, ?::jsonb, ?,"
                + " clock_timestamp())")) {
            s.setString(1, taskId);
            s.setInt(2, seq);
            s.setString(3, handlerTopic);
            s.setString(4, handlerSubtype);
            s.setString(5, undoJson);
            s.setLong(6, fencingToken);
            s.executeUpdate();
        }
    }

    /** The task's snapshots not yet restored, newest first: the order a rollback undoes them in. */
    public static List<Snapshot> unrestored(Connection c, String taskId) throws SQLException {
        return select(c, "SELECT seq, kind, document_key, pre_value::text, pre_version, handler_topic, handler_subtype,"
                + " undo::text FROM snapshots WHERE task_id = ? AND restored_at IS NULL ORDER BY seq DESC", taskId);
    }

    /** The task's undo records not yet carried out, newest first. */
    public static List<Snapshot> pendingUndo(Connection c, String taskId) throws SQLException {
        return select(c, "SELECT seq, kind, document_key, pre_value::text, pre_version, handler_topic, handler_subtype,"
                + " undo::text FROM snapshots WHERE task_id = ? AND kind = 'EXTERNAL' AND restored_at IS NULL"
                + " ORDER BY seq DESC", taskId);
    }

    private static List<Snapshot> select(Connection c, String sql, String taskId) throws SQLException {
        List<Snapshot> snapshots = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    snapshots.add(new Snapshot(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            (Long) rs.getObject(5), rs.getString(6), rs.getString(7), rs.getString(8)));
                }
            }
        }
        return snapshots;
    }

    /** The document snapshots a rollback of the task restored, newest first. */
    public static List<RestoredDocument> restoredDocuments(Connection c, String taskId) throws SQLException {
        List<RestoredDocument> restored = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT seq, document_key, pre_value::text,"
                + " COALESCE(restored_version, pre_version), restored_at FROM snapshots WHERE task_id = ?"
                + " AND kind = 'DOCUMENT' AND restored_at IS NOT NULL"
                + " ORDER BY seq DESC")) {
            s.setString(1, taskId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    restored.add(new RestoredDocument(rs.getInt(1), rs.getString(2), rs.getString(3),
                            (Long) rs.getObject(4), rs.getTimestamp(5).toInstant()));
                }
            }
        }
        return restored;
    }

    /**
     * The version a restored value gets: above every version the key had while the task held it (the pre-image's,
     * the task's own writes', the current one's), so that one version number never names two values.
     */
    public static long nextRestoredVersion(Connection c, String taskId, String key, Long preVersion)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT GREATEST(?, (SELECT version FROM documents WHERE key = ?),"
                + " (SELECT max(pre_version) FROM snapshots WHERE task_id = ? AND document_key = ?))")) {
            s.setLong(1, preVersion == null ? 0 : preVersion);
            s.setString(2, key);
            s.setString(3, taskId);
            s.setString(4, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) + 1;
            }
        }
    }

    /** @param version null for a document the restore deleted */
    public static void setRestoredVersion(Connection c, String taskId, int seq, Long version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE snapshots SET restored_version = ? WHERE task_id = ? AND seq = ?")) {
            s.setObject(1, version);
            s.setString(2, taskId);
            s.setInt(3, seq);
            s.executeUpdate();
        }
    }

    public static void markRestored(Connection c, String taskId, List<Integer> seqs, Instant at) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE snapshots SET restored_at = ? WHERE task_id = ? AND seq = ANY (?)")) {
            s.setTimestamp(1, Timestamp.from(at));
            s.setString(2, taskId);
            s.setArray(3, c.createArrayOf("integer", seqs.toArray()));
            s.executeUpdate();
        }
    }
}

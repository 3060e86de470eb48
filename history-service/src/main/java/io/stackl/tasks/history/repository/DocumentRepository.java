package io.stackl.tasks.history.repository;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The {@code documents} table: the current value and version of every document key. */
public final class DocumentRepository {

    private DocumentRepository() {}

    public record Document(String key, String valueJson, long version, Instant updatedAt, String updatedBy) {}

    /** @param forUpdate lock the row until the transaction ends (a writer that snapshots, then writes) */
    public static Document find(Connection c, String key, boolean forUpdate) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT key, value::text, version, updated_at, updated_by"
                + " FROM documents WHERE key = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            s.setString(1, key);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? document(rs) : null;
            }
        }
    }

    /** Documents whose key starts with {@code prefix} and sorts after {@code after}, in key order. */
    public static List<Document> list(Connection c, String prefix, String after, int limit) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT key, value::text, version, updated_at, updated_by"
                + " FROM documents WHERE key LIKE ? AND key > ? ORDER BY key LIMIT ?")) {
            s.setString(1, escapeLike(prefix) + "%");
            s.setString(2, after == null ? "" : after);
            s.setInt(3, limit);
            List<Document> documents = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    documents.add(document(rs));
                }
            }
            return documents;
        }
    }

    /** Writes {@code valueJson} as the key's value with {@code version}, whether the key exists or not. */
    public static void upsert(Connection c, String key, String valueJson, long version, String updatedBy)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO documents (key, value, version, updated_at,"
                + " updated_by) VALUES (?, ?::jsonb, ?, now(), ?) ON CONFLICT (key) DO UPDATE SET"
                + " value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,"
                + " updated_by = EXCLUDED.updated_by")) {
            s.setString(1, key);
            s.setString(2, valueJson);
            s.setLong(3, version);
            s.setString(4, updatedBy);
            s.executeUpdate();
        }
    }

    public static void delete(Connection c, String key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM documents WHERE key = ?")) {
            s.setString(1, key);
            s.executeUpdate();
        }
    }

    private static Document document(ResultSet rs) throws SQLException {
        Timestamp at = rs.getTimestamp(4);
        return new Document(rs.getString(1), rs.getString(2), rs.getLong(3), at == null ? null : at.toInstant(),
                rs.getString(5));
    }

    private static String escapeLike(String prefix) {
        return (prefix == null ? "" : prefix).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}

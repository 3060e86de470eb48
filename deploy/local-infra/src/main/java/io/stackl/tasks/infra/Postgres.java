package io.stackl.tasks.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * A real PostgreSQL server from the binaries that io.zonky.test ships on Maven Central. Its data stays in the folder
 * it is given, so a local run keeps documents and history across restarts; tests give it a fresh folder.
 */
public final class Postgres implements AutoCloseable {

    /** The superuser of the embedded cluster; it trusts local connections. */
    public static final String USER = "postgres";

    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres server;

    Postgres(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    Postgres start(List<String> databases) {
        killStale(dataDir);
        try {
            Files.createDirectories(dataDir);
            server = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "300")
                    // io.zonky turns synchronous_commit off for speed; history must survive a crash, so turn it on.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new InfrastructureException("PostgreSQL could not start on port " + port + " with data in " + dataDir
                    + ": " + e.getMessage() + ". As root it needs 'unshare -U' (user namespaces).", e);
        }
        for (String database : databases) {
            createDatabaseIfMissing(database);
        }
        return this;
    }

    public int port() {
        return port;
    }

    /** The postmaster's pid (its backends are its children), or -1 when it is not running. */
    public long pid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A JDBC URL for one database; user {@link #USER}, no password. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private void createDatabaseIfMissing(String database) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, "");
                Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "''") + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
            }
        } catch (SQLException e) {
            throw new InfrastructureException("could not create database " + database + ": " + e.getMessage(), e);
        }
    }

    /** A postmaster left running by a killed earlier run would make this start fail; end it first. */
    static void killStale(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isReadable(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().map(c -> c.contains("postgres")).orElse(false))
                    .ifPresent(h -> {
                        h.destroyForcibly();
                        h.onExit().join();
                    });
        } catch (IOException | RuntimeException e) {
            // An unreadable pid file names no process we could identify; PostgreSQL itself decides if it is stale.
        }
    }

    @Override
    public void close() {
        EmbeddedPostgres current = server;
        server = null;
        if (current != null) {
            try {
                current.close();
            } catch (IOException | RuntimeException e) {
                // Already gone (killed, or stopped by a later start in this folder) is what stopping wants.
                if (Files.exists(dataDir.resolve("postmaster.pid"))) {
                    throw new InfrastructureException("PostgreSQL did not stop cleanly: " + e.getMessage(), e);
                }
            }
        }
    }
}

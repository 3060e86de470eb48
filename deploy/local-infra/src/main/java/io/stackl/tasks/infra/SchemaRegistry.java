package io.stackl.tasks.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Apicurio Registry, which speaks the Confluent schema registry REST API under {@code /apis/ccompat/v7}, run from
 * its prebuilt app on Maven Central as a child process on Java 21+. Its schemas live in PostgreSQL, so that ids
 * written into Kafka records stay valid across restarts.
 */
public final class SchemaRegistry implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Path dir;
    private final int port;
    private final int managementPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile ChildProcess process;
    /** The class-data archive of the running registry's JVM: read, or written when it stops (ClassDataArchive). */
    private volatile ClassDataArchive classData;

    SchemaRegistry(Path dir, int port, int managementPort) {
        this.dir = dir;
        this.port = port;
        this.managementPort = managementPort;
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The Apicurio v3 API, which the Apicurio serdes talk to. */
    public String apicurioApiUrl() {
        return url() + "/apis/registry/v3";
    }

    /** The Confluent-compatible API, for any Confluent client. */
    public String confluentApiUrl() {
        return url() + "/apis/ccompat/v7";
    }

    public int port() {
        return port;
    }

    /** The registry's pid, or -1 when it is not running. */
    public long pid() {
        ChildProcess current = process;
        return current == null ? -1 : current.pid();
    }

    SchemaRegistry start(String jdbcUrl, String user, String password) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path pidFile = dir.resolve("registry.pid");
        ChildProcess.killStale(pidFile, "-Dstackl.owner=" + dir);
        Path java = JavaRuntimes.javaExecutable(21);
        Path home = InfraPaths.apicurioHome();
        Path jar = home.resolve("quarkus-run.jar");
        classData = ClassDataArchive.of(home.toAbsolutePath().getParent(), "apicurio-registry",
                java.getParent().getParent(), jar.toString());
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(classData.jvmOptions());
        command.addAll(List.of(
                "-Dstackl.owner=" + dir,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                // Apicurio's management port defaults to 9000 on all interfaces; keep it on loopback and free.
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + managementPort,
                "-Dapicurio.storage.sql.kind=postgresql",
                "-Dapicurio.datasource.url=" + jdbcUrl,
                "-Dapicurio.datasource.username=" + user,
                "-Dapicurio.datasource.password=" + password,
                "-jar", jar.toString()));
        process = ChildProcess.start("schema-registry", command, Map.of(), dir, dir.resolve("registry.log"), pidFile);
        awaitReady();
        setGlobalCompatibility("BACKWARD");
        classData.started();
        return this;
    }

    private void awaitReady() {
        HttpRequest probe = HttpRequest.newBuilder(URI.create(confluentApiUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        process.awaitReady("Apicurio Registry on " + url(), READY_TIMEOUT, 200,
                () -> http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** Apicurio's default is NONE; the project's schemas evolve backward-compatibly and the registry enforces it. */
    private void setGlobalCompatibility(String level) {
        HttpRequest put = HttpRequest.newBuilder(URI.create(confluentApiUrl() + "/config"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                .build();
        try {
            HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new InfrastructureException("setting the registry's compatibility to " + level + " failed: HTTP "
                        + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new InfrastructureException("setting the registry's compatibility failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while configuring the registry", e);
        }
    }

    @Override
    public void close() {
        ChildProcess current = process;
        process = null;
        if (current != null) {
            current.close();
            classData.afterExit(current.exitStatus());
        }
    }
}

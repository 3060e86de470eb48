package io.stackl.tasks.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One of the project's Quarkus services, run from its packaged {@code quarkus-app} as a child process. */
public final class ServiceProcess implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final String name;
    private final int port;
    private final ChildProcess process;

    private ServiceProcess(String name, int port, ChildProcess process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts {@code <projectRoot>/<module>/target/quarkus-app/quarkus-run.jar} with the infrastructure's settings in
     * its environment and waits until {@code /q/health/ready} answers 200.
     */
    public static ServiceProcess start(Path projectRoot, String module, int port, Map<String, String> environment,
            Path logDir) {
        Path jar = projectRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new InfrastructureException(module + " is not packaged (" + jar + " is missing); run './mvnw -q package"
                    + " -DskipTests' first");
        }
        Map<String, String> env = new HashMap<>(environment);
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dstackl.service=" + module, "-jar", jar.toString());
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new InfrastructureException("cannot create " + logDir + ": " + e.getMessage(), e);
        }
        ChildProcess process = ChildProcess.start(module, command, env, projectRoot, logDir.resolve(module + ".log"),
                logDir.resolve(module + ".pid"));
        ServiceProcess service = new ServiceProcess(module, port, process);
        try {
            service.awaitReady();
        } catch (RuntimeException e) {
            service.close();
            // Said here too: Quarkus reports a failing test resource only as an InvocationTargetException.
            System.err.println("stackl-infra: " + module + " could not start: " + e.getMessage());
            throw e;
        }
        return service;
    }

    /**
     * Starts the service on a free port. The port is free when chosen, but another process (an outgoing connection's
     * ephemeral port, say) can take it before the service binds it; then the service exits at once, and a new port is
     * tried, up to three times. Any other start-up failure is thrown as it is.
     */
    public static ServiceProcess startOnFreePort(Path projectRoot, String module, Map<String, String> environment,
            Path logDir) {
        for (int attempt = 1; ; attempt++) {
            int port = FreePorts.any();
            try {
                return start(projectRoot, module, port, environment, logDir);
            } catch (InfrastructureException e) {
                if (attempt == 3 || !FreePorts.isPortTaken(e)) {
                    throw e;
                }
                System.err.printf("stackl-infra: %s could not bind port %d (taken meanwhile); trying another%n",
                        module, port);
            }
        }
    }

    public String name() {
        return name;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Stops the service with SIGTERM, as Kubernetes does, and waits up to {@code within}: its exit status, or empty if
     * it is still running then ({@link #close()} ends it).
     */
    public java.util.OptionalInt terminate(Duration within) throws InterruptedException {
        return process.terminate(within);
    }

    /** The last lines of the service's log. */
    public String logTail(int lines) {
        return process.logTail(lines);
    }

    /** Kills the service with SIGKILL, as a crash would. */
    public void kill() {
        process.kill();
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(3)).GET().build();
        process.awaitReady(name + " on " + url(), READY_TIMEOUT, 250,
                () -> http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    @Override
    public void close() {
        process.close();
    }
}

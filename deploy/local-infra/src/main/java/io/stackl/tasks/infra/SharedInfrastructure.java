package io.stackl.tasks.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The infrastructure for a test run: started once per JVM (Surefire runs one JVM per module), on the first call,
 * in a fresh folder under {@code target/}, and stopped with its folder deleted when the JVM exits. A test that
 * needs it calls {@link #get()}; if it cannot start, the call throws and the test fails: it never skips.
 */
public final class SharedInfrastructure {

    private static LocalInfrastructure instance;
    private static InfrastructureException failure;
    /** Closed, newest first, before the infrastructure stops: services must not outlive their Kafka and database. */
    private static final java.util.Deque<AutoCloseable> dependents = new java.util.ArrayDeque<>();

    /**
     * Stops {@code dependent} (a service started for the tests) when the JVM exits, before the infrastructure, in
     * the same shutdown hook: a service that sees Kafka vanish first can take its whole stop timeout to close, and
     * Surefire kills a fork that takes too long to exit, which would leave the service running.
     */
    public static synchronized void stopBeforeInfrastructure(AutoCloseable dependent) {
        dependents.push(dependent);
    }

    private SharedInfrastructure() {}

    public static synchronized LocalInfrastructure get() {
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            // Do not try again for every test: one clear failure, repeated.
            throw failure;
        }
        Path home = null;
        for (int attempt = 1; instance == null; attempt++) {
            try {
                home = Files.createTempDirectory(Files.createDirectories(Path.of("target")).toAbsolutePath(), "infra-");
            } catch (IOException e) {
                failure = new InfrastructureException("cannot create a folder for the test infrastructure: "
                        + e.getMessage(), e);
                throw failure;
            }
            try {
                instance = LocalInfrastructure.start(home);
            } catch (InfrastructureException e) {
                deleteRecursively(home);
                // A port chosen free can be taken before Kafka or the registry binds it: once more, on new ports.
                if (attempt == 1 && FreePorts.isPortTaken(e)) {
                    System.err.println("stackl-infra: a port was taken during start-up; starting again on new ports");
                    continue;
                }
                failure = e;
                // Quarkus reports a test resource's failure as a bare InvocationTargetException; say why here.
                System.err.println("stackl-infra: the test infrastructure could not start: " + e.getMessage());
                throw e;
            }
        }
        System.out.printf("stackl-infra: started in %.1f s: kafka %s, postgres %d, registry %s (folder %s)%n",
                instance.startupTime().toMillis() / 1000.0, instance.kafka().bootstrapServers(),
                instance.postgres().port(), instance.registry().url(), home);
        LocalInfrastructure started = instance;
        Path startedHome = home;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopDependents();
            started.close();
            deleteRecursively(startedHome);
        }, "stackl-test-infra-cleanup"));
        return instance;
    }

    private static void stopDependents() {
        List<AutoCloseable> toStop;
        synchronized (SharedInfrastructure.class) {
            toStop = new ArrayList<>(dependents);
            dependents.clear();
        }
        // In parallel: each stop can wait for its process's grace period.
        toStop.parallelStream().forEach(dependent -> {
            try {
                dependent.close();
            } catch (Exception e) {
                System.err.println("stackl-infra: stopping a test service failed: " + e.getMessage());
            }
        });
    }

    /** Deletes a folder and everything in it, as far as it can (a missing folder is nothing to do). */
    public static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Leftovers under target/ go with the next 'mvn clean'.
        }
    }
}

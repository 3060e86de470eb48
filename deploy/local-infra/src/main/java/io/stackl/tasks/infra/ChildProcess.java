package io.stackl.tasks.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process this JVM started, with its output in a log file and its pid in a pid file, so that a later start in
 * the same folder can end it if this JVM was killed before it could (see {@link #killStale}).
 */
final class ChildProcess implements AutoCloseable {

    private static final Duration GRACE = Duration.ofSeconds(10);

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Path pidFile;

    private ChildProcess(String name, Process process, Path logFile, Path pidFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.pidFile = pidFile;
    }

    static ChildProcess start(String name, List<String> command, Map<String, String> env, Path workDir, Path logFile,
            Path pidFile) {
        try {
            Files.createDirectories(logFile.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(env);
            Process process = builder.start();
            Files.writeString(pidFile, Long.toString(process.pid()));
            return new ChildProcess(name, process, logFile, pidFile);
        } catch (IOException e) {
            throw new InfrastructureException("could not start " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Ends a process left behind by an earlier run in the same folder (its JVM was killed with SIGKILL, so its
     * shutdown hook never ran). Only a process whose command line names {@code marker} is touched, so a recycled
     * pid belonging to someone else is left alone.
     */
    static void killStale(Path pidFile, String marker) {
        if (!Files.isReadable(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                    .ifPresent(ChildProcess::killTree);
            Files.deleteIfExists(pidFile);
        } catch (IOException | NumberFormatException e) {
            // A garbled pid file names no process we could identify; starting over is the best we can do.
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines of the process's output, to put in an error message. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    Path logFile() {
        return logFile;
    }

    /** Something a start-up waits for; may throw while the process is not listening yet (counted as "not yet"). */
    @FunctionalInterface
    interface ReadinessProbe {
        boolean ready() throws Exception;
    }

    /**
     * Waits until {@code probe} says ready, polling every {@code pollMs}. Fails with the tail of the process's log if
     * it exits first or the timeout passes, so that the error says why, not just that.
     */
    void awaitReady(String what, java.time.Duration timeout, long pollMs, ReadinessProbe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!isAlive()) {
                throw new InfrastructureException(what + " exited during start-up; its log " + logFile
                        + " ends with:\n" + logTail(30));
            }
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfrastructureException("interrupted while waiting for " + what, e);
            } catch (Exception notYet) {
                // Not listening yet; asked again until the deadline.
            }
            if (System.nanoTime() > deadline) {
                throw new InfrastructureException(what + " was not ready within " + timeout.toSeconds()
                        + " s; its log ends with:\n" + logTail(30));
            }
            try {
                Thread.sleep(pollMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfrastructureException("interrupted while waiting for " + what, e);
            }
        }
    }

    /**
     * Sends SIGTERM, as an orchestrator's stop does, and waits up to {@code within} for the process to exit, without
     * forcing it. Returns its exit status, or empty if it still runs (then {@link #close()} ends it).
     */
    java.util.OptionalInt terminate(java.time.Duration within) throws InterruptedException {
        process.toHandle().destroy();
        return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS) ? java.util.OptionalInt.of(process.exitValue())
                : java.util.OptionalInt.empty();
    }

    /** The process's exit status, or empty while it runs. */
    java.util.OptionalInt exitStatus() {
        return process.isAlive() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(process.exitValue());
    }

    /** Forcibly ends the process at once, as a crash would (for fault tests). */
    void kill() {
        killTree(process.toHandle());
    }

    @Override
    public void close() {
        ProcessHandle handle = process.toHandle();
        List<ProcessHandle> descendants = handle.descendants().toList();
        handle.destroy();
        try {
            if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(handle);
                process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree(handle);
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // The pid file only helps a later start; a leftover one names a dead process and is ignored then.
        }
    }

    private static void killTree(ProcessHandle handle) {
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        handle.destroyForcibly();
        handle.onExit().orTimeout(GRACE.toMillis(), TimeUnit.MILLISECONDS).exceptionally(t -> null).join();
    }
}

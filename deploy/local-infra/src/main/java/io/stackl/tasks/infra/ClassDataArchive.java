package io.stackl.tasks.infra;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;

/**
 * A class-data archive (AppCDS) for a program that the infrastructure starts again and again (Kafka's server, its
 * storage tool, the schema registry): the classes a start loads, already parsed and verified. It takes ~2 s off each
 * Kafka start, ~0.8 s off each format and ~2 s off each registry start (measured on 2 cores), and the tests start the
 * infrastructure about ten times per build.
 *
 * <p>The JVM writes an archive only when asked to, when the program exits. So a run without an archive writes one to a
 * file of its own, which is moved into place only once that run has got through its start and exited normally: a run
 * killed while it wrote, or one whose start failed, leaves nothing where a later run would read it, and two runs never
 * write the same file. The archive is named after the JVM, the program and its class path (each entry with its size
 * and time), so that another JDK, Kafka or registry gets its own. In the JVM's default mode ({@code -Xshare:auto}) an
 * archive it cannot use is skipped and the program starts as without one.
 */
final class ClassDataArchive {

    /** A normal exit: by itself (0), or after SIGINT (130, Ctrl-C) or SIGTERM (143), once its exit hooks have run. */
    private static final Set<Integer> NORMAL_EXITS = Set.of(0, 130, 143);
    /** Files left by runs whose parent died before it could move or delete them. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    private final Path archive;
    private final Path pending;
    /** Whether the run got through its start: the archive of a start that failed or was cut short holds too little. */
    private volatile boolean started;

    private ClassDataArchive(Path archive) {
        this.archive = archive;
        this.pending = archive.resolveSibling(archive.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    /** The archive of {@code program} run by the JVM in {@code javaHome} on {@code classpath}, kept in {@code dir}. */
    static ClassDataArchive of(Path dir, String program, Path javaHome, String classpath) {
        StringBuilder identity = new StringBuilder(javaHome.toAbsolutePath().toString()).append('\n');
        identity.append(stamp(javaHome.resolve("release"))).append('\n').append(program).append('\n');
        for (String entry : classpath.split(File.pathSeparator)) {
            identity.append(entry).append(' ').append(stamp(Path.of(entry))).append('\n');
        }
        deleteAbandoned(dir, program);
        return new ClassDataArchive(dir.resolve(program + "-" + digest(identity.toString()) + ".jsa"));
    }

    /** The JVM options of a run: read the archive if there is one, else write one at exit. */
    List<String> jvmOptions() {
        return Files.isRegularFile(archive) ? List.of("-XX:SharedArchiveFile=" + archive)
                : List.of("-XX:ArchiveClassesAtExit=" + pending);
    }

    /** Says that the run has got through its whole start (served a request, say); only such a run's archive is kept. */
    void started() {
        started = true;
    }

    /**
     * After a run has ended: keeps the archive it wrote if it had {@linkplain #started() started} and exited normally,
     * else drops what it may have left.
     */
    void afterExit(OptionalInt exitStatus) {
        try {
            if (started && exitStatus.isPresent() && NORMAL_EXITS.contains(exitStatus.getAsInt())
                    && Files.size(pending) > 0) {
                Files.move(pending, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // No archive written (this run read one), or it could not be moved: the next run goes without one.
        } finally {
            try {
                Files.deleteIfExists(pending);
            } catch (IOException ignored) {
                // Removed by a later start (deleteAbandoned) or by `mvn clean`.
            }
        }
    }

    private static String stamp(Path file) {
        try {
            return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return "absent";
        }
    }

    private static void deleteAbandoned(Path dir, String program) {
        Instant before = Instant.now().minus(ABANDONED_AFTER);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, program + "-*.jsa.*.tmp")) {
            for (Path file : files) {
                if (Files.getLastModifiedTime(file).toInstant().isBefore(before)) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException ignored) {
            // Only disk space is at stake.
        }
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}

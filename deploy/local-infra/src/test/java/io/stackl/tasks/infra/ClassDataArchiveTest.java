package io.stackl.tasks.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs a real JVM on a jar (the JVM archives classes from jars only), as the infrastructure runs Kafka's programs. */
@Timeout(120)
class ClassDataArchiveTest {

    private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
    /** How the JVM's class-loading log names a class taken from a dynamic archive. */
    private static final String FROM_THE_ARCHIVE = Main.class.getName() + " source: shared objects file (top)";

    @TempDir
    Path dir;
    @TempDir
    static Path jarDir;
    private static String classpath;

    @BeforeAll
    static void packProgram() throws IOException {
        Path jar = jarDir.resolve("program.jar");
        String entry = Main.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                InputStream in = Main.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        classpath = jar.toString();
    }

    @Test
    void shouldWriteTheArchiveOnAFirstNormalExitAndReadItOnTheNextRun() throws Exception {
        ClassDataArchive first = archive();
        assertThat(first.jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
        Run written = run(first);
        assertThat(written.output()).doesNotContain(FROM_THE_ARCHIVE);
        first.started();
        first.afterExit(written.status());
        assertThat(archives()).hasSize(1);

        ClassDataArchive second = archive();
        assertThat(second.jvmOptions()).containsExactly("-XX:SharedArchiveFile=" + archives().get(0));
        Run read = run(second);
        assertThat(read.status()).hasValue(0);
        assertThat(read.output()).contains(FROM_THE_ARCHIVE);
        second.started();
        second.afterExit(read.status());
        assertThat(files()).containsExactlyElementsOf(archives()); // read, not written again; nothing left behind
    }

    @Test
    void shouldKeepTheArchiveOfARunStoppedWithSigterm() throws Exception {
        ClassDataArchive archive = archive();
        Process process = start(archive, "wait");
        try {
            // Its main method runs: it waits. (Its output also has the class-loading log.)
            java.io.BufferedReader output = new java.io.BufferedReader(
                    new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = output.readLine();
            } while (line != null && !line.equals(Main.WAITING));
            assertThat(line).isEqualTo(Main.WAITING);
            process.destroy(); // SIGTERM, as ChildProcess.close() stops Kafka and the registry
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).isEqualTo(143);
        archive.started();
        archive.afterExit(OptionalInt.of(process.exitValue()));
        assertThat(archives()).hasSize(1);
        assertThat(run(archive()).output()).contains(FROM_THE_ARCHIVE);
    }

    @Test
    void shouldKeepNothingFromARunThatDidNotExitNormally() throws Exception {
        ClassDataArchive archive = archive();
        run(archive); // it wrote its file; but say it was killed
        archive.started();
        archive.afterExit(OptionalInt.empty());
        assertThat(files()).isEmpty();
        assertThat(archive().jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
    }

    @Test
    void shouldKeepNothingFromARunWhoseStartDidNotComplete() throws Exception {
        ClassDataArchive archive = archive();
        Run run = run(archive); // exited normally, but its start was never confirmed (it failed, or was cut short)
        archive.afterExit(run.status());
        assertThat(files()).isEmpty();
    }

    @Test
    void shouldGiveAnotherClassPathItsOwnArchive() throws Exception {
        ClassDataArchive archive = archive();
        Run run = run(archive);
        archive.started();
        archive.afterExit(run.status());
        assertThat(ClassDataArchive.of(dir, "program", JAVA_HOME, classpath + java.io.File.pathSeparator + "other.jar")
                .jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
    }

    private ClassDataArchive archive() {
        return ClassDataArchive.of(dir, "program", JAVA_HOME, classpath);
    }

    private record Run(OptionalInt status, String output) {}

    private static Run run(ClassDataArchive archive) throws IOException, InterruptedException {
        Process process = start(archive);
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            return new Run(OptionalInt.of(process.exitValue()), output);
        } finally {
            process.destroyForcibly();
        }
    }

    private static Process start(ClassDataArchive archive, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA_HOME.resolve("bin/java").toString(),
                "-Xlog:class+load=info"));
        command.addAll(archive.jvmOptions());
        command.addAll(List.of("-cp", classpath, Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JDK_JAVA_OPTIONS"); // an inherited -Xshare:off would turn archives off
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        return builder.start();
    }

    private List<Path> archives() throws IOException {
        return files().stream().filter(f -> f.getFileName().toString().endsWith(".jsa")).toList();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** The program the test runs: loads a few classes, then exits, or with "wait" waits to be stopped. */
    public static final class Main {
        static final String WAITING = "waiting to be stopped";

        public static void main(String[] args) throws InterruptedException {
            if (args.length > 0 && args[0].equals("wait")) {
                System.out.println(WAITING);
                System.out.flush();
                Thread.sleep(60_000);
            } else {
                System.out.println(java.util.Arrays.stream(args).map(String::length).toList());
            }
        }
    }
}

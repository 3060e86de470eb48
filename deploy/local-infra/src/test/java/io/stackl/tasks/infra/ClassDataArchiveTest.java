package io.stackl.tasks.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
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
import org.junit.jupiter.api.io.TempDir;

/** Runs a real JVM on a jar (the JVM archives classes from jars only), as the infrastructure runs Kafka's programs. */
class ClassDataArchiveTest {

    @TempDir
    Path dir;
    @TempDir
    static Path jarDir;
    private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));
    private static String CLASSPATH;

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
        CLASSPATH = jar.toString();
    }

    @Test
    void shouldWriteTheArchiveOnAFirstNormalExitAndReadItOnTheNextRun() throws Exception {
        ClassDataArchive first = ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH);
        assertThat(first.jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
        first.afterExit(run(first));
        assertThat(archives()).hasSize(1);

        ClassDataArchive second = ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH);
        assertThat(second.jvmOptions()).containsExactly("-XX:SharedArchiveFile=" + archives().get(0));
        // -Xshare:on: a JVM that cannot map the archive exits with an error instead of going on without it.
        OptionalInt status = run(second, "-Xshare:on");
        assertThat(status).hasValue(0);
        second.afterExit(status);
        assertThat(archives()).hasSize(1); // read, not written again, and no file left behind
        assertThat(files()).hasSize(1);
    }

    @Test
    void shouldKeepTheArchiveOfARunStoppedWithSigterm() throws Exception {
        ClassDataArchive archive = ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH);
        Process process = start(archive, List.of(), "wait");
        assertThat(process.getInputStream().read()).isEqualTo('.'); // its classes are loaded: it is waiting
        process.destroy(); // SIGTERM, as ChildProcess.close() stops Kafka and the registry
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(143);
        archive.afterExit(OptionalInt.of(process.exitValue()));
        assertThat(archives()).hasSize(1);
        assertThat(run(ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH), "-Xshare:on")).hasValue(0);
    }

    @Test
    void shouldKeepNothingFromARunThatDidNotExitNormally() throws Exception {
        ClassDataArchive archive = ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH);
        run(archive); // it wrote its file; but say it was killed
        archive.afterExit(OptionalInt.empty());
        assertThat(files()).isEmpty();
        assertThat(ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH).jvmOptions()).singleElement().asString()
                .startsWith("-XX:ArchiveClassesAtExit=");
    }

    @Test
    void shouldGiveAnotherClassPathItsOwnArchive() throws Exception {
        ClassDataArchive archive = ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH);
        archive.afterExit(run(archive));
        assertThat(ClassDataArchive.of(dir, "program", JAVA_HOME, CLASSPATH + java.io.File.pathSeparator + "other.jar")
                .jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
    }

    private static OptionalInt run(ClassDataArchive archive, String... jvmOptions)
            throws IOException, InterruptedException {
        Process process = start(archive, List.of(jvmOptions));
        process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the program did not end within 60 s");
        }
        return OptionalInt.of(process.exitValue());
    }

    private static Process start(ClassDataArchive archive, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(JAVA_HOME.resolve("bin/java").toString()));
        command.addAll(jvmOptions);
        command.addAll(archive.jvmOptions());
        command.addAll(List.of("-cp", CLASSPATH, Main.class.getName()));
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
        public static void main(String[] args) throws InterruptedException {
            if (args.length > 0 && args[0].equals("wait")) {
                System.out.print('.');
                System.out.flush();
                Thread.sleep(60_000);
            } else {
                System.out.println(java.util.Arrays.stream(args).map(String::length).toList());
            }
        }
    }
}

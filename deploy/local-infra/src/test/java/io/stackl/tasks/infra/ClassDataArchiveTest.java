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
        ClassDataArchive first = ClassDataArchive.of(dir, "program", CLASSPATH);
        assertThat(first.jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
        first.afterExit(run(first));
        assertThat(archives()).hasSize(1);

        ClassDataArchive second = ClassDataArchive.of(dir, "program", CLASSPATH);
        assertThat(second.jvmOptions()).containsExactly("-XX:SharedArchiveFile=" + archives().get(0));
        OptionalInt status = run(second);
        assertThat(status).hasValue(0);
        second.afterExit(status);
        assertThat(archives()).hasSize(1); // read, not written again, and no file left behind
        assertThat(files()).hasSize(1);
    }

    @Test
    void shouldKeepNothingFromARunThatDidNotExitNormally() throws Exception {
        ClassDataArchive archive = ClassDataArchive.of(dir, "program", CLASSPATH);
        run(archive); // it wrote its file; but say it was killed
        archive.afterExit(OptionalInt.empty());
        assertThat(files()).isEmpty();
        assertThat(ClassDataArchive.of(dir, "program", CLASSPATH).jvmOptions()).singleElement().asString()
                .startsWith("-XX:ArchiveClassesAtExit=");
    }

    @Test
    void shouldGiveAnotherClassPathItsOwnArchive() throws Exception {
        ClassDataArchive archive = ClassDataArchive.of(dir, "program", CLASSPATH);
        archive.afterExit(run(archive));
        assertThat(ClassDataArchive.of(dir, "program", CLASSPATH + java.io.File.pathSeparator + "other.jar")
                .jvmOptions()).singleElement().asString().startsWith("-XX:ArchiveClassesAtExit=");
    }

    private static OptionalInt run(ClassDataArchive archive) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(archive.jvmOptions());
        command.addAll(List.of("-cp", CLASSPATH, Main.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return OptionalInt.of(process.exitValue());
    }

    private List<Path> archives() throws IOException {
        return files().stream().filter(f -> f.getFileName().toString().endsWith(".jsa")).toList();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** The program the test runs: loads a few classes, exits normally. */
    public static final class Main {
        public static void main(String[] args) {
            System.out.println(java.util.Arrays.stream(args).map(String::length).toList());
        }
    }
}

package io.stackl.tasks.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a Java runtime of at least a given feature version. Apicurio Registry needs 21+ while the project builds
 * and runs on 17, so the registry is started with a JDK found here: {@code STACKL_JAVA21_HOME}, then
 * {@code JAVA_HOME}, then the running JVM, then every JDK under {@code /usr/lib/jvm}.
 */
public final class JavaRuntimes {

    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);

    private JavaRuntimes() {}

    /** The {@code java} executable of a runtime with at least {@code feature}, or a clear error naming what is missing. */
    public static Path javaExecutable(int feature) {
        return find(feature).orElseThrow(() -> new InfrastructureException(
                "Apicurio Registry needs Java " + feature + " or newer, and none was found. Looked at "
                        + String.join(", ", candidates().stream().map(Path::toString).toList())
                        + ". Install one (e.g. 'apt-get install openjdk-" + feature + "-jre-headless', or a Temurin JDK"
                        + " under /usr/lib/jvm) or point STACKL_JAVA21_HOME at it."));
    }

    static Optional<Path> find(int feature) {
        for (Path home : candidates()) {
            Path java = home.resolve("bin/java");
            if (Files.isExecutable(java) && featureVersion(home) >= feature) {
                return Optional.of(java);
            }
        }
        return Optional.empty();
    }

    private static List<Path> candidates() {
        List<Path> homes = new ArrayList<>();
        addIfSet(homes, System.getenv("STACKL_JAVA21_HOME"));
        addIfSet(homes, System.getProperty("stackl.java21.home"));
        addIfSet(homes, System.getenv("JAVA_HOME"));
        addIfSet(homes, System.getProperty("java.home"));
        Path jvmDir = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvmDir)) {
            try (Stream<Path> dirs = Files.list(jvmDir)) {
                // Newest first, so that the best runtime wins when several qualify.
                dirs.filter(Files::isDirectory)
                        .sorted((a, b) -> Integer.compare(featureVersion(b), featureVersion(a)))
                        .forEach(homes::add);
            } catch (IOException ignored) {
                // An unreadable /usr/lib/jvm is reported through the "none was found" message.
            }
        }
        return homes;
    }

    private static void addIfSet(List<Path> homes, String value) {
        if (value != null && !value.isBlank()) {
            homes.add(Path.of(value));
        }
    }

    static int featureVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isReadable(release)) {
            return -1;
        }
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(release));
            if (!m.find()) {
                return -1;
            }
            int first = Integer.parseInt(m.group(1));
            // "1.8.0" style versions belong to Java 8 and older.
            return first == 1 ? 8 : first;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}

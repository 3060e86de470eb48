package io.stackl.tasks.infra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where the child processes run from. The build writes the defaults for this checkout into
 * {@code stackl-local-infra.properties}; an environment variable or system property overrides each.
 */
final class InfraPaths {

    private static final Properties BUILT = load();

    private InfraPaths() {}

    private static Path kafkaClasspathFile() {
        return Path.of(value("STACKL_KAFKA_CLASSPATH_FILE", "stackl.kafka.classpath.file", "kafka.classpath.file"));
    }

    /** Where the class-data archives of Kafka's programs are kept: beside the file that names Kafka's jars. */
    static Path kafkaClassDataDir() {
        return kafkaClasspathFile().toAbsolutePath().getParent();
    }

    /** The classpath of the Kafka server child process (the Kafka jars from Maven Central). */
    static String kafkaClasspath() {
        Path file = kafkaClasspathFile();
        try {
            String classpath = Files.readString(file).trim();
            if (classpath.isEmpty()) {
                throw new InfrastructureException("the Kafka classpath file " + file + " is empty; rebuild deploy/local-infra");
            }
            return classpath;
        } catch (IOException e) {
            throw new InfrastructureException("the Kafka classpath file " + file + " is missing; build the project first"
                    + " ('./mvnw -q install -DskipTests' or the README's commands)", e);
        }
    }

    /** The folder holding Apicurio Registry's {@code quarkus-run.jar}. */
    static Path apicurioHome() {
        Path home = Path.of(value("STACKL_APICURIO_HOME", "stackl.apicurio.home", "apicurio.registry.home"));
        if (!Files.isRegularFile(home.resolve("quarkus-run.jar"))) {
            throw new InfrastructureException("Apicurio Registry is not unpacked at " + home
                    + "; build deploy/local-infra first (its build unpacks io.apicurio:apicurio-registry-app)");
        }
        return home;
    }

    private static String value(String env, String property, String builtKey) {
        String fromEnv = System.getenv(env);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        String fromProperty = System.getProperty(property);
        if (fromProperty != null && !fromProperty.isBlank()) {
            return fromProperty;
        }
        String built = BUILT.getProperty(builtKey);
        if (built == null || built.contains("${")) {
            throw new InfrastructureException("stackl-local-infra.properties has no value for " + builtKey
                    + "; build deploy/local-infra with Maven or set " + env);
        }
        return built;
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = InfraPaths.class.getResourceAsStream("/stackl-local-infra.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot read stackl-local-infra.properties: " + e.getMessage(), e);
        }
        return properties;
    }
}

package io.stackl.tasks.infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka cluster in KRaft mode (broker and controller in one process), run from the Kafka jars on
 * Maven Central as a child process. A child rather than in-process so that it can be killed like a real broker,
 * and so that Kafka's server dependencies never share a classpath with a Quarkus service.
 *
 * <p>Three listeners for clients: plaintext; SASL_SSL (SCRAM-SHA-512 over TLS, with a certificate signed by a CA of
 * its own, {@link LocalCertificates}) where the users of {@link #SASL_USERS} log in, each with a password made up for
 * this folder; and SSL that requires a client certificate signed by that CA (mutual TLS). Both enforce the ACLs of
 * {@link KafkaAcls}: they are how a deployment with authentication and an authorizer is tried and tested on one
 * machine.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    /** One SCRAM user per service, and one for clients (tests, the CLI, producers of your own). */
    public static final List<String> SASL_USERS = List.of("stackl-gateway", "stackl-broker", "stackl-worker",
            "stackl-history", "stackl-client");
    private static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    /** Kafka runs on the JVM that starts it. */
    private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final int saslSslPort;
    private final int mutualTlsPort;
    private volatile ChildProcess process;
    /** The class-data archive of the running server's JVM: read, or written when it stops (ClassDataArchive). */
    private volatile ClassDataArchive serverClassData;
    private volatile LocalCertificates certificates;
    private volatile Properties saslPasswords;

    KafkaBroker(Path dir, int port, int controllerPort, int saslSslPort, int mutualTlsPort) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.saslSslPort = saslSslPort;
        this.mutualTlsPort = mutualTlsPort;
    }

    /**
     * How a client reaches the mutual-TLS listener with the client certificate of {@link LocalCertificates} (Kafka
     * principal {@code User:CN=stackl-client}, the ACLs of {@code stackl-client}), as the variables every client reads.
     */
    public Map<String, String> mutualTlsEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + mutualTlsPort);
        env.put("KAFKA_SECURITY_PROTOCOL", "SSL");
        env.put("KAFKA_SSL_CA_FILE", certificates.caPem().toString());
        env.put("KAFKA_SSL_KEYSTORE_FILE", certificates.clientPem().toString());
        return env;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The SASL_SSL listener's address. */
    public String saslSslBootstrapServers() {
        return "127.0.0.1:" + saslSslPort;
    }

    /**
     * How {@code user} (one of {@link #SASL_USERS}) reaches the SASL_SSL listener, as the environment variables every
     * Kafka client of the project reads ({@code KafkaSecurity} in the schemas module).
     */
    public Map<String, String> saslSslEnvironment(String user) {
        String password = saslPasswords.getProperty(user);
        if (password == null) {
            throw new IllegalArgumentException("no SASL user " + user + " (known: " + SASL_USERS + ")");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", saslSslBootstrapServers());
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("KAFKA_SASL_MECHANISM", SCRAM_MECHANISM);
        env.put("KAFKA_SASL_USERNAME", user);
        env.put("KAFKA_SASL_PASSWORD", password);
        env.put("KAFKA_SSL_CA_FILE", certificates.caPem().toString());
        return env;
    }

    public int port() {
        return port;
    }

    KafkaBroker start() {
        try {
            Files.createDirectories(dir);
            Path pidFile = dir.resolve("kafka.pid");
            ChildProcess.killStale(pidFile, dir.toString());
            certificates = LocalCertificates.in(dir.resolve("tls"));
            saslPasswords = saslPasswords();
            Path config = writeConfig();
            String classpath = InfraPaths.kafkaClasspath();
            if (!Files.exists(dir.resolve("data/meta.properties"))) {
                format(classpath, config);
            }
            serverClassData = ClassDataArchive.of(InfraPaths.kafkaClassDataDir(), "kafka-server", JAVA_HOME, classpath);
            List<String> options = new ArrayList<>(List.of("-Xms128m", "-Xmx512m"));
            options.addAll(serverClassData.jvmOptions());
            process = ChildProcess.start("kafka", java(classpath, options, "kafka.Kafka", config.toString()),
                    Map.of(), dir, dir.resolve("kafka.log"), pidFile);
            awaitReady();
            addSaslUsers();
            serverClassData.started();
            return this;
        } catch (IOException e) {
            throw new InfrastructureException("Kafka could not be prepared in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Stops the broker and starts it again on the same data and ports, as an operator's restart would. */
    public void restart() {
        close();
        start();
    }

    /** Kills the broker with SIGKILL (a crash); {@link #startAfterCrash()} brings it back on the same data. */
    public void kill() {
        ChildProcess current = process;
        if (current != null) {
            current.kill();
            serverClassData.afterExit(OptionalInt.empty()); // a crash writes no archive worth keeping
        }
    }

    /** The broker's process id (for tests that pause it with SIGSTOP); -1 when it is not running. */
    public long pid() {
        ChildProcess current = process;
        return current == null ? -1 : current.pid();
    }

    /** Starts the broker again on its data and ports after {@link #kill()}, returning once it serves requests. */
    public void startAfterCrash() {
        start();
    }

    private Path writeConfig() throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
                + ",SASL_SSL://127.0.0.1:" + saslSslPort + ",SSL://127.0.0.1:" + mutualTlsPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + ",SASL_SSL://127.0.0.1:" + saslSslPort
                + ",SSL://127.0.0.1:" + mutualTlsPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL");
        // SCRAM over TLS for clients; the users are added once the broker runs (addSaslUsers).
        p.setProperty("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        p.setProperty("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.setProperty("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
        p.setProperty("listener.name.sasl_ssl.ssl.keystore.location", certificates.serverKeystore().toString());
        p.setProperty("listener.name.sasl_ssl.ssl.keystore.password", certificates.password());
        // Mutual TLS: a client certificate signed by the local CA is required; its subject is the principal.
        p.setProperty("listener.name.ssl.ssl.keystore.type", "PKCS12");
        p.setProperty("listener.name.ssl.ssl.keystore.location", certificates.serverKeystore().toString());
        p.setProperty("listener.name.ssl.ssl.keystore.password", certificates.password());
        p.setProperty("listener.name.ssl.ssl.truststore.type", "PEM");
        p.setProperty("listener.name.ssl.ssl.truststore.location", certificates.caPem().toString());
        p.setProperty("listener.name.ssl.ssl.client.auth", "required");
        // ACLs for the SASL users (KafkaAcls); the plaintext and controller listeners' anonymous user may do anything.
        p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.setProperty("super.users", "User:ANONYMOUS");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        p.setProperty("num.partitions", "3");
        // Topics are created on purpose, with their partition counts, by the services that own them.
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("offsets.topic.replication.factor", "1");
        // Few internal partitions: a restart on old data then takes seconds, not tens of seconds (INFRA.md).
        p.setProperty("offsets.topic.num.partitions", "6");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "6");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        Path config = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(config)) {
            p.store(out, "written by Stackl Tasks local-infra; rewritten at every start");
        }
        return config;
    }

    /** Each SASL user's password, made up once for this folder and kept beside the data. */
    private Properties saslPasswords() throws IOException {
        Path file = dir.resolve("sasl-users.properties");
        Properties passwords = new Properties();
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file)) {
                passwords.load(in);
            }
        }
        boolean added = false;
        for (String user : SASL_USERS) {
            if (passwords.getProperty(user) == null) {
                byte[] secret = new byte[24];
                new SecureRandom().nextBytes(secret);
                passwords.setProperty(user, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
                added = true;
            }
        }
        if (added) {
            try (var out = Files.newBufferedWriter(file)) {
                passwords.store(out, "SCRAM passwords of the local Kafka's SASL_SSL listener");
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        return passwords;
    }

    /** Sets every SASL user's SCRAM credential and ACLs (again after a restart: the same passwords, the same ACLs). */
    private void addSaslUsers() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        for (String user : SASL_USERS) {
            users.add(new UserScramCredentialUpsertion(user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                    8192), saslPasswords.getProperty(user)));
        }
        try (Admin admin = Admin.create(props)) {
            admin.alterUserScramCredentials(users).all().get(30, TimeUnit.SECONDS);
            admin.createAcls(KafkaAcls.forTheSuite()).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted while adding Kafka's SASL users", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new InfrastructureException("could not add Kafka's SASL users: " + e.getMessage(), e);
        }
    }

    private void format(String classpath, Path config) {
        String clusterId = Uuid.randomUuid().toString();
        ClassDataArchive classData = ClassDataArchive.of(InfraPaths.kafkaClassDataDir(), "kafka-format", JAVA_HOME,
                classpath);
        List<String> options = new ArrayList<>(List.of("-Xmx256m"));
        options.addAll(classData.jvmOptions());
        List<String> command = java(classpath, options, "kafka.tools.StorageTool", "format", "-t", clusterId,
                "-c", config.toString(), "--standalone");
        Process format = null;
        try {
            format = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka-format.log").toFile())).start();
            boolean formatted = format.waitFor(60, TimeUnit.SECONDS) && format.exitValue() == 0;
            if (!formatted) {
                format.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                classData.afterExit(OptionalInt.empty());
                throw new InfrastructureException("formatting Kafka storage failed; see " + dir.resolve("kafka-format.log")
                        + ":\n" + Files.readString(dir.resolve("kafka-format.log")));
            }
            classData.started();
            classData.afterExit(OptionalInt.of(0));
        } catch (IOException e) {
            throw new InfrastructureException("could not run Kafka's StorageTool: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (format != null) {
                format.destroyForcibly();
            }
            classData.afterExit(OptionalInt.empty());
            throw new InfrastructureException("interrupted while formatting Kafka storage", e);
        }
    }

    private void awaitReady() {
        // First the port, so that the admin client does not log a warning per attempt; then the cluster itself.
        process.awaitReady("Kafka on " + bootstrapServers(), READY_TIMEOUT, 100, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return true;
            }
        });
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(props)) {
            process.awaitReady("Kafka on " + bootstrapServers(), READY_TIMEOUT, 200, () -> !admin
                    .describeCluster(new DescribeClusterOptions().timeoutMs(3000)).nodes().get(4, TimeUnit.SECONDS)
                    .isEmpty());
        }
    }

    private static List<String> java(String classpath, List<String> jvmOptions, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(JAVA_HOME.resolve("bin/java").toString());
        command.addAll(jvmOptions);
        command.add("-XX:+UseSerialGC");
        command.add("-Djava.awt.headless=true");
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    @Override
    public void close() {
        ChildProcess current = process;
        process = null;
        if (current != null) {
            current.close();
            serverClassData.afterExit(current.exitStatus());
        }
    }
}

package io.stackl.tasks.infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;

/**
 * A single-node Kafka cluster in KRaft mode (broker and controller in one process), run from the Kafka jars on
 * Maven Central as a child process. A child rather than in-process so that it can be killed like a real broker,
 * and so that Kafka's server dependencies never share a classpath with a Quarkus service.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private volatile ChildProcess process;

    KafkaBroker(Path dir, int port, int controllerPort) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    KafkaBroker start() {
        try {
            Files.createDirectories(dir);
            Path pidFile = dir.resolve("kafka.pid");
            ChildProcess.killStale(pidFile, dir.toString());
            Path config = writeConfig();
            String classpath = InfraPaths.kafkaClasspath();
            if (!Files.exists(dir.resolve("data/meta.properties"))) {
                format(classpath, config);
            }
            process = ChildProcess.start("kafka", java(classpath, List.of("-Xms128m", "-Xmx512m"), "kafka.Kafka", config.toString()),
                    Map.of(), dir, dir.resolve("kafka.log"), pidFile);
            awaitReady();
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
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
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

    private void format(String classpath, Path config) {
        String clusterId = Uuid.randomUuid().toString();
        List<String> command = java(classpath, List.of("-Xmx256m"), "kafka.tools.StorageTool", "format", "-t", clusterId,
                "-c", config.toString(), "--standalone");
        try {
            Process format = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka-format.log").toFile())).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new InfrastructureException("formatting Kafka storage failed; see " + dir.resolve("kafka-format.log")
                        + ":\n" + Files.readString(dir.resolve("kafka-format.log")));
            }
        } catch (IOException e) {
            throw new InfrastructureException("could not run Kafka's StorageTool: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
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
        }
    }
}

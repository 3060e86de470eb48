package io.stackl.tasks.infra;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The real infrastructure of Stackl Tasks on one machine, without Docker: a Kafka broker (KRaft), PostgreSQL and
 * Apicurio Registry, each on a free loopback port, with all their data under one folder that this class owns.
 * The local run ({@link LocalRunMain}) and the tests ({@code SharedInfrastructure}) both start it through here.
 *
 * <p>Ports are remembered in {@code ports.properties} in that folder, so a restart on the same data gets the same
 * ports back (the KRaft controller's address is stored in its metadata). {@link #close()} stops every process it
 * started; a JVM shutdown hook does the same on Ctrl-C.
 */
public final class LocalInfrastructure implements AutoCloseable {

    /** The database that the history service owns. */
    public static final String APP_DATABASE = "stackl";
    /** The database that Apicurio Registry keeps its schemas in. */
    public static final String REGISTRY_DATABASE = "registry";

    private final Path home;
    private final KafkaBroker kafka;
    private final Postgres postgres;
    private final SchemaRegistry registry;
    private final Duration startupTime;
    private final Map<String, String> internalApiTokens = LocalServiceTokens.generate();
    private final Thread shutdownHook;

    private LocalInfrastructure(Path home, KafkaBroker kafka, Postgres postgres, SchemaRegistry registry,
            Duration startupTime) {
        this.home = home;
        this.kafka = kafka;
        this.postgres = postgres;
        this.registry = registry;
        this.startupTime = startupTime;
        this.shutdownHook = new Thread(this::stopQuietly, "stackl-infra-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts Kafka and PostgreSQL side by side, then the registry (which stores its schemas in PostgreSQL).
     * If any part fails, the parts already started are stopped and the error says which part failed and why.
     */
    public static LocalInfrastructure start(Path home) {
        long started = System.nanoTime();
        Path dir = home.toAbsolutePath().normalize();
        // End what a killed earlier run left behind before choosing ports, so its ports can be taken back.
        ChildProcess.killStale(dir.resolve("kafka/kafka.pid"), dir.resolve("kafka").toString());
        ChildProcess.killStale(dir.resolve("registry/registry.pid"), "-Dstackl.owner=" + dir.resolve("registry"));
        Postgres.killStale(dir.resolve("postgres"));
        Properties ports = loadPorts(dir);
        KafkaBroker kafka = new KafkaBroker(dir.resolve("kafka"), port(ports, "kafka"), port(ports, "kafka.controller"),
                port(ports, "kafka.sasl-ssl"), port(ports, "kafka.mutual-tls"));
        Postgres postgres = new Postgres(dir.resolve("postgres"), port(ports, "postgres"));
        SchemaRegistry registry = new SchemaRegistry(dir.resolve("registry"), port(ports, "registry"),
                port(ports, "registry.management"));
        savePorts(dir, ports);

        CompletableFuture<KafkaBroker> kafkaStarted = CompletableFuture.supplyAsync(kafka::start);
        CompletableFuture<Postgres> postgresStarted =
                CompletableFuture.supplyAsync(() -> postgres.start(List.of(APP_DATABASE, REGISTRY_DATABASE)));
        try {
            postgresStarted.join();
            registry.start(postgres.jdbcUrl(REGISTRY_DATABASE), Postgres.USER, "");
            kafkaStarted.join();
        } catch (RuntimeException e) {
            // Let a still-starting part finish so that it can be stopped, not leaked.
            CompletableFuture.allOf(kafkaStarted, postgresStarted).exceptionally(t -> null).join();
            closeAll(registry, kafka, postgres);
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof InfrastructureException ie) {
                throw ie;
            }
            throw new InfrastructureException("the local infrastructure could not start: " + cause.getMessage(), cause);
        }
        return new LocalInfrastructure(dir, kafka, postgres, registry, Duration.ofNanos(System.nanoTime() - started));
    }

    public Path home() {
        return home;
    }

    public KafkaBroker kafka() {
        return kafka;
    }

    public Postgres postgres() {
        return postgres;
    }

    public SchemaRegistry registry() {
        return registry;
    }

    public Duration startupTime() {
        return startupTime;
    }

    /**
     * The settings a service needs to reach this infrastructure, and the service tokens of the internal APIs, as
     * environment variables (the names the services' {@code application.properties} read).
     */
    public Map<String, String> serviceEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registry.apicurioApiUrl());
        env.put("DB_JDBC_URL", postgres.jdbcUrl(APP_DATABASE));
        env.put("DB_USERNAME", Postgres.USER);
        env.put("DB_PASSWORD", "");
        env.putAll(internalApiTokens);
        return env;
    }

    /**
     * {@link #serviceEnvironment()} for {@code module} (api-gateway, task-broker, worker-service, history-service)
     * reaching Kafka over SASL_SSL as its own SCRAM user ({@code stackl-gateway}, ...), trusting the local CA.
     */
    public Map<String, String> saslSslServiceEnvironment(String module) {
        Map<String, String> env = serviceEnvironment();
        env.putAll(kafka.saslSslEnvironment(saslUser(module)));
        return env;
    }

    /** The SCRAM user of a service module: {@code task-broker} → {@code stackl-broker}. */
    static String saslUser(String module) {
        return "stackl-" + module.replace("api-", "").replace("task-", "").replace("-service", "");
    }

    /** The same settings as Quarkus configuration keys, for tests that start a service in-process. */
    public Map<String, String> quarkusConfig() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.put("quarkus.kafka-streams.bootstrap-servers", kafka.bootstrapServers());
        config.put("mp.messaging.connector.smallrye-kafka.apicurio.registry.url", registry.apicurioApiUrl());
        config.put("tasks.schema-registry.url", registry.apicurioApiUrl());
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(APP_DATABASE));
        config.put("quarkus.datasource.username", Postgres.USER);
        config.put("quarkus.datasource.password", "");
        // Under their environment names, which each service's application.properties reads into its own keys.
        config.putAll(internalApiTokens);
        return config;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; it calls stopQuietly itself.
        }
        closeAll(registry, kafka, postgres);
    }

    private void stopQuietly() {
        try {
            closeAll(registry, kafka, postgres);
        } catch (RuntimeException e) {
            System.err.println("stackl-infra: stopping failed: " + e.getMessage());
        }
    }

    private static void closeAll(AutoCloseable... parts) {
        InfrastructureException failure = null;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new InfrastructureException("stopping failed: " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static int port(Properties ports, String name) {
        String remembered = ports.getProperty(name);
        int port = FreePorts.preferring(remembered == null ? 0 : Integer.parseInt(remembered));
        // Nothing listens yet on the ports chosen before this one, so the system may offer one of them again.
        while (takenByAnother(ports, name, port)) {
            port = FreePorts.any();
        }
        ports.setProperty(name, Integer.toString(port));
        return port;
    }

    private static boolean takenByAnother(Properties ports, String name, int port) {
        return ports.stringPropertyNames().stream().filter(other -> !other.equals(name))
                .anyMatch(other -> ports.getProperty(other).equals(Integer.toString(port)));
    }

    private static Properties loadPorts(Path dir) {
        Properties ports = new Properties();
        Path file = dir.resolve("ports.properties");
        if (Files.isReadable(file)) {
            try (Reader in = Files.newBufferedReader(file)) {
                ports.load(in);
            } catch (IOException e) {
                throw new InfrastructureException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return ports;
    }

    private static void savePorts(Path dir, Properties ports) {
        try {
            Files.createDirectories(dir);
            try (Writer out = Files.newBufferedWriter(dir.resolve("ports.properties"))) {
                ports.store(out, "ports of the local infrastructure; reused on the next start in this folder");
            }
        } catch (IOException e) {
            throw new InfrastructureException("cannot write the ports file in " + dir + ": " + e.getMessage(), e);
        }
    }
}

package io.stackl.tasks.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The local run: starts the infrastructure and every packaged service, prints where each listens, and stops
 * everything on Ctrl-C. It submits nothing by itself. Started by {@code deploy/run-local.sh}.
 *
 * <p>Arguments: {@code [--home DIR] [--project-root DIR] [--no-services] [--with-monitoring]}. Data stays in
 * {@code DIR} (default {@code .local}) across runs. {@code --with-monitoring} also starts Prometheus with the shipped
 * configuration and rules ({@code deploy/prometheus}), scraping the services where they listen.
 */
public final class LocalRunMain {

    /** The port each service prefers when it is free. */
    private static final Map<String, Integer> PREFERRED_PORTS = Map.of("history-service", 8082, "task-broker", 8081,
            "worker-service", 8083, "api-gateway", 8080);

    private LocalRunMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path home = Path.of(".local");
        Path root = Path.of(".");
        boolean services = true;
        boolean monitoring = false;
        boolean kafkaSaslSsl = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--home" -> home = Path.of(args[++i]);
                case "--project-root" -> root = Path.of(args[++i]);
                case "--no-services" -> services = false;
                case "--with-monitoring" -> monitoring = true;
                case "--kafka-sasl-ssl" -> kafkaSaslSsl = true;
                default -> {
                    System.err.println("unknown argument: " + args[i]
                            + "\nusage: LocalRunMain [--home DIR] [--project-root DIR] [--no-services] [--with-monitoring]"
                            + " [--kafka-sasl-ssl]");
                    System.exit(2);
                }
            }
        }
        root = root.toAbsolutePath().normalize();
        System.out.println("Starting Kafka, PostgreSQL and Apicurio Registry with data in " + home.toAbsolutePath() + " ...");
        LocalInfrastructure infra;
        try {
            infra = LocalInfrastructure.start(home);
        } catch (InfrastructureException e) {
            System.err.println("ERROR: " + e.getMessage());
            System.exit(1);
            return;
        }
        List<StacklServices> started = new ArrayList<>();
        List<AutoCloseable> closeFirst = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping ...");
            closeFirst.forEach(LocalRunMain::closeQuietly);
            // Services first, so that none of them sees its broker or database vanish first.
            started.forEach(StacklServices::close);
            infra.close();
            System.out.println("Stopped; data kept in " + infra.home());
            stopped.countDown();
        }, "stackl-local-run-shutdown"));

        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("kafka (bootstrap servers)", infra.kafka().bootstrapServers());
        endpoints.put("kafka (SASL_SSL, SCRAM-SHA-512)", infra.kafka().saslSslBootstrapServers() + "  (users and CA: "
                + infra.home().resolve("kafka/sasl-users.properties") + ", " + infra.home().resolve("kafka/tls/ca.pem")
                + ")");
        endpoints.put("postgresql (jdbc)", infra.postgres().jdbcUrl(LocalInfrastructure.APP_DATABASE) + "  user=postgres");
        endpoints.put("schema registry (Confluent API)", infra.registry().confluentApiUrl());
        endpoints.put("schema registry (Apicurio API)", infra.registry().apicurioApiUrl());
        System.out.printf("Infrastructure ready in %.1f s%n", infra.startupTime().toMillis() / 1000.0);

        if (services) {
            System.out.println("Starting " + String.join(", ", StacklServices.IN_START_ORDER) + " ...");
            try {
                // The broker's local Kafka Streams state lives with the rest of the run's data.
                StacklServices suite = StacklServices.start(root, infra, kafkaSaslSsl, Map.of("TASKS_BROKER_STATE_DIR",
                        infra.home().resolve("task-broker-state").toString()), infra.home().resolve("logs"),
                        module -> FreePorts.preferring(PREFERRED_PORTS.get(module)));
                started.add(suite);
                suite.all().forEach(s -> endpoints.put(s.name(), s.url() + "  (health: " + s.url() + "/q/health)"));
                if (monitoring) {
                    Map<String, String> targets = new LinkedHashMap<>();
                    suite.all().forEach(s -> targets.put(s.name(), "127.0.0.1:" + s.port()));
                    Prometheus prometheus = Prometheus.start(root, targets, infra.home().resolve("prometheus"),
                            FreePorts.preferring(9090), Duration.ofSeconds(15));
                    closeFirst.add(prometheus);
                    endpoints.put("prometheus", prometheus.url() + "  (alerts: " + prometheus.url() + "/api/v1/alerts)");
                }
            } catch (InfrastructureException e) {
                System.err.println("ERROR: " + e.getMessage());
                System.exit(1);
            }
        }

        StringBuilder env = new StringBuilder();
        infra.serviceEnvironment().forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
        // It holds the internal APIs' service tokens: readable by this user only.
        Path endpointsFile = infra.home().resolve("endpoints.env");
        Files.deleteIfExists(endpointsFile);
        Files.createFile(endpointsFile, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(endpointsFile, env.toString());

        System.out.println();
        System.out.println("Stackl Tasks is running:");
        endpoints.forEach((name, where) -> System.out.printf("  %-32s %s%n", name, where));
        System.out.println("  logs: " + infra.home().resolve("logs") + ", " + infra.home() + "/{kafka,registry}/*.log");
        System.out.println("Press Ctrl-C to stop everything.");
        stopped.await();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            System.err.println("could not stop " + closeable + ": " + e.getMessage());
        }
    }
}

package io.stackl.tasks.infra;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The four packaged services started as processes on a running {@link LocalInfrastructure}, in dependency order
 * (history, broker, worker, gateway), each told where the ones started before it listen; stopped in reverse order.
 * Used by the local run and the benchmarks.
 */
public final class StacklServices implements AutoCloseable {

    public static final List<String> IN_START_ORDER = List.of("history-service", "task-broker", "worker-service",
            "api-gateway");

    private final Map<String, ServiceProcess> started = new LinkedHashMap<>();

    private StacklServices() {}

    /**
     * Starts every service from its packaged jar under {@code projectRoot}. {@code extraEnvironment} is added to the
     * infrastructure's; {@code port} picks each service's HTTP port. On a failure, the services already started are
     * stopped and the exception is thrown.
     */
    public static StacklServices start(Path projectRoot, LocalInfrastructure infra, Map<String, String> extraEnvironment,
            Path logDir, ToIntFunction<String> port) {
        return start(projectRoot, infra, false, extraEnvironment, logDir, port);
    }

    /**
     * The same, with every service reaching Kafka over SASL_SSL as its own SCRAM user when {@code kafkaOverSaslSsl}
     * ({@link LocalInfrastructure#saslSslServiceEnvironment}).
     */
    public static StacklServices start(Path projectRoot, LocalInfrastructure infra, boolean kafkaOverSaslSsl,
            Map<String, String> extraEnvironment, Path logDir, ToIntFunction<String> port) {
        StacklServices services = new StacklServices();
        try {
            for (String module : IN_START_ORDER) {
                Map<String, String> environment = new LinkedHashMap<>(kafkaOverSaslSsl
                        ? infra.saslSslServiceEnvironment(module) : infra.serviceEnvironment());
                environment.putAll(extraEnvironment);
                // Services started earlier are reachable by the later ones: HISTORY_URL, TASK_BROKER_URL, WORKER_URL.
                services.started.values().forEach(s -> environment.put(urlVariable(s.name()), s.url()));
                services.started.put(module, ServiceProcess.start(projectRoot, module, port.applyAsInt(module),
                        environment, logDir));
            }
        } catch (RuntimeException e) {
            services.close();
            throw e;
        }
        return services;
    }

    /** {@code history-service} → {@code HISTORY_URL}, {@code task-broker} → {@code TASK_BROKER_URL}. */
    static String urlVariable(String module) {
        return module.replace('-', '_').toUpperCase().replace("_SERVICE", "") + "_URL";
    }

    public ServiceProcess get(String module) {
        ServiceProcess process = started.get(module);
        if (process == null) {
            throw new IllegalArgumentException("no service " + module + " (known: " + started.keySet() + ")");
        }
        return process;
    }

    public List<ServiceProcess> all() {
        return List.copyOf(started.values());
    }

    /** Stops the services, gateway first, so that none sees the one it depends on vanish first. */
    @Override
    public void close() {
        List<ServiceProcess> reverse = new ArrayList<>(started.values());
        java.util.Collections.reverse(reverse);
        reverse.forEach(ServiceProcess::close);
        started.clear();
    }
}

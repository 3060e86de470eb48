package io.stackl.tasks.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * For the gateway's tests: the real infrastructure and the packaged history service, broker and worker as separate
 * processes, started once per test JVM. The gateway under test talks to them as in production.
 */
public class SuiteResource implements QuarkusTestResourceLifecycleManager {

    /**
     * Where the suite's settings are kept for the whole JVM. Quarkus runs each test profile in a class loader of its
     * own, whose statics start empty: kept in a static field, a profile switch would start a second infrastructure
     * and suite beside the first (about 50 s each time). The system properties are the JVM's, whatever the loader.
     */
    private static final String SHARED = "stackl.tests.gateway-suite";

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, String> start() {
        Properties jvm = System.getProperties();
        synchronized (jvm) {
            if (jvm.get(SHARED) instanceof Map<?, ?> started) {
                return (Map<String, String>) started;
            }
            Map<String, String> config = startTheSuite();
            jvm.put(SHARED, Map.copyOf(config));
            return config;
        }
    }

    private static Map<String, String> startTheSuite() {
        LocalInfrastructure infra = SharedInfrastructure.get();
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path logs = Path.of("target", "test-logs").toAbsolutePath();
        Map<String, String> env = new HashMap<>(infra.serviceEnvironment());
        ServiceProcess history = ServiceProcess.startOnFreePort(root, "history-service", env, logs);
        env.put("HISTORY_URL", history.url());
        env.put("TASKS_BROKER_STATE_DIR", Path.of("target", "broker-state", UUID.randomUUID().toString())
                .toAbsolutePath().toString());
        ServiceProcess broker = ServiceProcess.startOnFreePort(root, "task-broker", env, logs);
        ServiceProcess worker = ServiceProcess.startOnFreePort(root, "worker-service", env, logs);
        List.of(history, broker, worker).forEach(SharedInfrastructure::stopBeforeInfrastructure);
        Map<String, String> config = new HashMap<>(infra.quarkusConfig());
        config.put("tasks.gateway.broker-url", broker.url());
        config.put("tasks.gateway.history-url", history.url());
        return config;
    }

    @Override
    public void stop() {
        // Shared by the module's test classes; stopped with the JVM.
    }
}

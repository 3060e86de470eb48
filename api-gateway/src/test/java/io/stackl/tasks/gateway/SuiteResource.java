package io.stackl.tasks.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * For the gateway's tests: the real infrastructure and the packaged history service, broker and worker as separate
 * processes, started once per test JVM. The gateway under test talks to them as in production.
 */
public class SuiteResource implements QuarkusTestResourceLifecycleManager {

    private static Map<String, String> config;

    @Override
    public synchronized Map<String, String> start() {
        if (config != null) {
            return config;
        }
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
        config = new HashMap<>(infra.quarkusConfig());
        config.put("tasks.gateway.broker-url", broker.url());
        config.put("tasks.gateway.history-url", history.url());
        return config;
    }

    @Override
    public void stop() {
        // Shared by the module's test classes; stopped with the JVM.
    }
}

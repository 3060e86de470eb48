package io.stackl.tasks.infra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at the real infrastructure of this test JVM ({@link SharedInfrastructure}): started
 * on first use, once per module run, stopped when the JVM exits. Use it with
 * {@code @QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)}.
 * Tests read the endpoints from configuration ({@code kafka.bootstrap.servers}, {@code tasks.schema-registry.url},
 * {@code quarkus.datasource.jdbc.url}), not from this class, since Quarkus may load it in another class loader.
 */
public class InfrastructureTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return SharedInfrastructure.get().quarkusConfig();
    }

    @Override
    public void stop() {
        // Shared by every test class of the module: stopped by the JVM shutdown hook, not per class.
    }
}

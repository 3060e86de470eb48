package io.stackl.tasks.broker.kafka;

import io.stackl.tasks.schema.KafkaSecurity;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The {@link KafkaSecurity} settings of this process (TLS, SASL, from the environment) as {@code kafka-streams.*}
 * configuration, which Quarkus hands to Kafka Streams and to the admin client it checks the topics with: the broker's
 * Kafka clients authenticate like every other client of the project. Below {@code application.properties} in
 * priority, so that a deployment can still override a single property there.
 */
public class KafkaStreamsSecurity implements ConfigSource {

    private static final String PREFIX = "kafka-streams.";

    private final Map<String, String> properties = new HashMap<>();

    public KafkaStreamsSecurity() {
        this(KafkaSecurity.fromEnvironment());
    }

    KafkaStreamsSecurity(Map<String, String> clientProperties) {
        // Configuration values are expanded (${...}); a password is not an expression: every $ is escaped as $$.
        clientProperties.forEach((key, value) -> properties.put(PREFIX + key, value.replace("$", "$$")));
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "kafka-security-from-environment";
    }

    @Override
    public int getOrdinal() {
        return 200;
    }
}

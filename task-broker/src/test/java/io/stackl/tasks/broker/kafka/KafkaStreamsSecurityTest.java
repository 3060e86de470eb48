package io.stackl.tasks.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.stackl.tasks.schema.KafkaSecurity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaStreamsSecurityTest {

    @Test
    void shouldHandKafkaStreamsThePasswordAsItIsEvenWithDollarSigns() {
        String password = "a$b${not.an.expression}$$c$";
        Map<String, String> client = KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_USERNAME", "stackl-broker", "KAFKA_SASL_PASSWORD", password, "KAFKA_SSL_CA_FILE", "/ca.pem"));
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new KafkaStreamsSecurity(client)).build();

        assertThat(config.getValue("kafka-streams.sasl.jaas.config", String.class))
                .isEqualTo(client.get("sasl.jaas.config")).contains(password);
        assertThat(config.getValue("kafka-streams.security.protocol", String.class)).isEqualTo("SASL_SSL");
        assertThat(config.getValue("kafka-streams.ssl.truststore.location", String.class)).isEqualTo("/ca.pem");
    }
}

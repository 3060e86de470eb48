package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSecurityTest {

    @Test
    void shouldAddNothingForPlaintext() {
        assertThat(KafkaSecurity.from(Map.of())).isEmpty();
        assertThat(KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "plaintext"))).isEmpty();
    }

    @Test
    void shouldLogInWithScramOverTlsTrustingTheGivenCa() {
        Map<String, String> props = KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_USERNAME", "stackl-worker", "KAFKA_SASL_PASSWORD", "p\"a\\ss",
                "KAFKA_SSL_CA_FILE", "/etc/ca.pem"));

        assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.type", "PEM").containsEntry("ssl.truststore.location", "/etc/ca.pem")
                .doesNotContainKey("ssl.endpoint.identification.algorithm"); // Kafka's default: verify the host
        // Quotes and backslashes in a password cannot end the JAAS value early.
        assertThat(props.get("sasl.jaas.config")).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule"
                + " required username=\"stackl-worker\" password=\"p\\\"a\\\\ss\";");
    }

    @Test
    void shouldPresentAClientCertificateForMutualTls() {
        Map<String, String> props = KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "SSL",
                "KAFKA_SSL_KEYSTORE_FILE", "/etc/worker.pem", "KAFKA_SSL_KEY_PASSWORD", "k"));

        assertThat(props).containsEntry("security.protocol", "SSL").containsEntry("ssl.keystore.type", "PEM")
                .containsEntry("ssl.keystore.location", "/etc/worker.pem").containsEntry("ssl.key.password", "k")
                .doesNotContainKeys("sasl.jaas.config", "ssl.truststore.location");
    }

    @Test
    void shouldRefuseSettingsThatCannotWorkWithoutEchoingSecrets() {
        assertThatThrownBy(() -> KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "TLS")))
                .hasMessageContaining("KAFKA_SECURITY_PROTOCOL");
        assertThatThrownBy(() -> KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_USERNAME", "u"))).hasMessageContaining("KAFKA_SASL_PASSWORD is required");
        assertThatThrownBy(() -> KafkaSecurity.from(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "GSSAPI", "KAFKA_SASL_USERNAME", "u", "KAFKA_SASL_PASSWORD", "secret-value")))
                .hasMessageContaining("KAFKA_SASL_MECHANISM").hasMessageNotContaining("secret-value");
    }
}

package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stackl.tasks.client.StacklClient;
import io.stackl.tasks.schema.KafkaSecurity;
import io.stackl.tasks.schema.KafkaTaskProducer;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka-side helper of the schemas artifact, for producers that write tasks straight onto task-requests. */
class KafkaTaskProducerE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Suite suite;

    @BeforeAll
    static void start() {
        suite = Suite.get();
    }

    /** Java producers that write straight onto task-requests learn each task's end from task-events. */
    @Test
    void shouldSendTasksStraightOntoKafkaAndHearHowTheyEnded() throws Exception {
        // Over SASL_SSL, as a producer of the users' own would be.
        Map<String, Object> kafka = suite.kafkaClient();
        try (KafkaTaskProducer tasks = KafkaTaskProducer.create((String) kafka.get("bootstrap.servers"),
                suite.infra.serviceEnvironment().get("SCHEMA_REGISTRY_URL"), "client-e2e-producer", kafka)) {
            var ran = tasks.send(TaskRequest.newBuilder().setTopic("noop").setSubtype("run")
                    .setArgumentsJson("{\"via\": \"kafka\"}"));
            var rejected = tasks.send(TaskRequest.newBuilder().setTopic("payments").setSubtype("run")
                    .setArgumentsJson("{}"));

            TaskEvent end = ran.get(60, TimeUnit.SECONDS);
            assertThat(end.getState()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(end.getSource()).isEqualTo("client-e2e-producer");
            assertThat(end.getOutputJson()).contains("kafka");
            assertThat(rejected.get(60, TimeUnit.SECONDS).getRejectionCode()).isEqualTo(RejectionCode.UNKNOWN_TOPIC);
            // The gateway sees the same task.
            try (StacklClient client = StacklClient.builder().baseUrl(suite.gateway.url()).build()) {
                assertThat(client.await(end.getTaskId(), WAIT).output().path("via").asText()).isEqualTo("kafka");
            }
        }
    }

    /**
     * Mutual TLS: the same producer with a client certificate instead of a password (principal
     * {@code User:CN=stackl-client}); without a certificate the listener does not let it in.
     */
    @Test
    void shouldSendTasksOverMutualTlsAndRefuseAClientWithoutACertificate() throws Exception {
        Map<String, String> settings = suite.infra.kafka().mutualTlsEnvironment();
        Map<String, Object> kafka = new java.util.HashMap<>(KafkaSecurity.from(settings));
        String registry = suite.infra.serviceEnvironment().get("SCHEMA_REGISTRY_URL");
        try (KafkaTaskProducer tasks = KafkaTaskProducer.create(settings.get("KAFKA_BOOTSTRAP_SERVERS"), registry,
                "client-e2e-mtls", kafka)) {
            TaskEvent end = tasks.send(TaskRequest.newBuilder().setTopic("noop").setSubtype("run")
                    .setArgumentsJson("{\"via\": \"mutual tls\"}")).get(60, TimeUnit.SECONDS);
            assertThat(end.getState()).isEqualTo(TaskState.SUCCEEDED);
            assertThat(end.getSource()).isEqualTo("client-e2e-mtls");
        }
        Map<String, Object> anonymous = new java.util.HashMap<>(kafka);
        anonymous.remove("ssl.keystore.type");
        anonymous.remove("ssl.keystore.location");
        anonymous.put("bootstrap.servers", settings.get("KAFKA_BOOTSTRAP_SERVERS"));
        anonymous.put("max.block.ms", "5000");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(anonymous, new StringSerializer(),
                new ByteArraySerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(Topics.TASK_REQUESTS.name(), "no-certificate",
                    new byte[] {0})).get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    /**
     * The documented ACLs at work: a producer's Kafka user may submit tasks, but not write results or events, which
     * only the services may (docs/security.md, "ACLs").
     */
    @Test
    void shouldRefuseAProducerThatWritesWhereOnlyTheServicesMay() {
        Map<String, Object> kafka = new java.util.HashMap<>(suite.kafkaClient());
        kafka.put("max.block.ms", "15000");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka, new StringSerializer(),
                new ByteArraySerializer())) {
            for (String topic : List.of(Topics.TASK_RESULTS.name(), Topics.TASK_EVENTS.name())) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "forged", new byte[] {0})).get(
                        30, TimeUnit.SECONDS)).as(topic).hasRootCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
    }
}

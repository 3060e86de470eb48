package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.client.StacklClient;
import io.stackl.tasks.schema.KafkaTaskProducer;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        try (KafkaTaskProducer tasks = KafkaTaskProducer.create(suite.infra.kafka().bootstrapServers(),
                suite.infra.serviceEnvironment().get("SCHEMA_REGISTRY_URL"), "client-e2e-producer", Map.of())) {
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

}

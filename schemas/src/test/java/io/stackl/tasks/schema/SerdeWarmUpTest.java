package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.SharedInfrastructure;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The services warm their serdes up at start-up with a sample of each record type, against the real registry. A sample
 * that the serdes refused would leave the first real record to pay again, so every type of every topic is tried; a
 * reader must not register schemas; and a registry that is down or silent must not stop or hold a service's start.
 */
class SerdeWarmUpTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String registryUrl;

    @BeforeAll
    static void startInfrastructure() {
        registryUrl = SharedInfrastructure.get().registry().apicurioApiUrl();
    }

    @AfterEach
    void forgetFailures() {
        SerdeWarmUp.reset();
    }

    @Test
    void shouldWarmTheSerdesOfEveryRecordTypeWithASampleTheyWriteAndReadBack() {
        List<Topics.Topic<?>> topics = new ArrayList<>(Topics.recordTopics());
        topics.add(new Topics.Topic<>(Topics.workTopic("warm-up-" + UUID.randomUUID()), WorkItem.class));
        for (Topics.Topic<?> topic : topics) {
            assertWarms(topic);
        }
    }

    @Test
    void shouldNotRegisterASchemaWhenItWarmsAReaderUpAndSayItCouldNotWhenNoneIsThere() throws Exception {
        String topic = "warm-up-reader-" + UUID.randomUUID();
        try (Deserializer<TaskEvent> reader = AvroSerdes.deserializer(TaskEvent.class, registryUrl)) {
            assertThat(SerdeWarmUp.warmReader(TaskEvent.class, topic, reader, registryUrl)).isFalse();
        }
        assertThat(subjectStatus(topic + "-value")).as("no subject registered by a reader").isEqualTo(404);
        assertThat(SchemaRegistration.hasSubject(registryUrl, topic + "-value")).isFalse();
        assertThat(SchemaRegistration.hasSubject(registryUrl + "/", topic + "-value")).isFalse();
        // Only the registry's own "not found" is a no: a registry that cannot be reached is left to the real lookup.
        assertThat(SchemaRegistration.hasSubject("http://127.0.0.1:1/apis/registry/v3", topic + "-value")).isTrue();
        // A schema not registered yet is not a registry that is down: the warm-ups after it still run.
        try (Serializer<TaskEvent> writer = Topics.TASK_EVENTS.serializer(registryUrl)) {
            assertThat(SerdeWarmUp.warmWriter(TaskEvent.class, Topics.TASK_EVENTS.name(), writer)).isTrue();
        }
        assertThat(SchemaRegistration.hasSubject(registryUrl, Topics.TASK_EVENTS.name() + "-value")).isTrue();
    }

    @Test
    void shouldSayItCouldNotWarmUpWhenTheRegistryRefusesConnectionsButNotThrow() {
        String refusing = "http://127.0.0.1:1/apis/registry/v3";
        try (Serializer<TaskEvent> serializer = AvroSerdes.serializer(TaskEvent.class, refusing);
                Deserializer<TaskEvent> deserializer = AvroSerdes.deserializer(TaskEvent.class, refusing)) {
            assertThat(SerdeWarmUp.warmWriter(TaskEvent.class, Topics.TASK_EVENTS.name(), serializer)).isFalse();
            assertThat(SerdeWarmUp.warmReader(TaskEvent.class, Topics.TASK_EVENTS.name(), deserializer, refusing))
                    .as("skipped after the first failure").isFalse();
        }
    }

    @Test
    void shouldGiveUpWithinItsDeadlineWhenTheRegistryNeverAnswers() throws Exception {
        // Accepts connections (the backlog does, without accept()) and never answers: no timeout of the client's helps.
        try (ServerSocket silent = new ServerSocket(0);
                Serializer<TaskEvent> serializer = AvroSerdes.serializer(TaskEvent.class,
                        "http://127.0.0.1:" + silent.getLocalPort() + "/apis/registry/v3")) {
            long started = System.nanoTime();
            boolean warmed = SerdeWarmUp.warmWriter(TaskEvent.class, Topics.TASK_EVENTS.name(), serializer);
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(warmed).isFalse();
            assertThat(tookMs).isBetween(SerdeWarmUp.DEADLINE.toMillis() - 100, SerdeWarmUp.DEADLINE.toMillis() + 2_000);
            started = System.nanoTime();
            assertThat(SerdeWarmUp.warmWriter(TaskEvent.class, Topics.TASK_EVENTS.name(), serializer)).isFalse();
            assertThat((System.nanoTime() - started) / 1_000_000).as("the next one is skipped at once").isLessThan(100);
        }
    }

    /**
     * A second try after a first that gave up: what this test asserts is that the warm-up works against the real
     * registry, not how fast a cold registry answers on a loaded CI machine (in one CI run its first registration of
     * a subject took longer than the warm-up's 5 s bound, which
     * {@link #shouldGiveUpWithinItsDeadlineWhenTheRegistryNeverAnswers} tests on its own). A warm-up that does not
     * work fails both tries.
     */
    private static <T extends SpecificRecord> boolean warmWriter(Topics.Topic<T> topic, Serializer<T> serializer) {
        if (SerdeWarmUp.warmWriter(topic.valueType(), topic.name(), serializer)) {
            return true;
        }
        SerdeWarmUp.reset();
        return SerdeWarmUp.warmWriter(topic.valueType(), topic.name(), serializer);
    }

    private static <T extends SpecificRecord> void assertWarms(Topics.Topic<T> topic) {
        T sample = SerdeWarmUp.sample(topic.valueType());
        try (Serializer<T> serializer = topic.serializer(registryUrl);
                Deserializer<T> deserializer = topic.deserializer(registryUrl)) {
            assertThat(warmWriter(topic, serializer)).as(topic.name()).isTrue();
            // The writer registered the schema (as its first record would); now a reader finds it.
            assertThat(SerdeWarmUp.warmReader(topic.valueType(), topic.name(), deserializer, registryUrl))
                    .as(topic.name()).isTrue();
            // What the warm-up left behind is what a real record uses: the same serdes read what they write.
            assertThat(deserializer.deserialize(topic.name(), serializer.serialize(topic.name(), sample)))
                    .as(topic.name()).isEqualTo(sample);
        }
    }

    private static int subjectStatus(String subject) throws Exception {
        String ccompat = registryUrl.replace("/apis/registry/v3", "/apis/ccompat/v7");
        return HTTP.send(HttpRequest.newBuilder(URI.create(ccompat + "/subjects/" + subject + "/versions")).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}

package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.SharedInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The services warm their serdes up at start-up with a sample of each record type, against the real registry. A sample
 * that the serdes refused would leave the first real record to pay again, so every type of every topic is tried; and
 * a registry that cannot be reached must not stop a service from starting.
 */
class SerdeWarmUpTest {

    private static String registryUrl;

    @BeforeAll
    static void startInfrastructure() {
        registryUrl = SharedInfrastructure.get().registry().apicurioApiUrl();
    }

    @Test
    void shouldWarmTheSerdesOfEveryRecordTypeWithASampleTheyWriteAndReadBack() {
        List<Topics.Topic<?>> topics = new ArrayList<>(Topics.recordTopics());
        topics.add(new Topics.Topic<>(Topics.workTopic("warm-up-test"), WorkItem.class));
        for (Topics.Topic<?> topic : topics) {
            assertWarms(topic);
        }
    }

    @Test
    void shouldSayItCouldNotWarmUpWhenTheRegistryCannotBeReachedButNotThrow() {
        try (Serializer<TaskEvent> serializer = AvroSerdes.serializer(TaskEvent.class, "http://127.0.0.1:1/apis/registry/v3");
                Deserializer<TaskEvent> deserializer =
                        AvroSerdes.deserializer(TaskEvent.class, "http://127.0.0.1:1/apis/registry/v3")) {
            assertThat(SerdeWarmUp.warm(TaskEvent.class, Topics.TASK_EVENTS.name(), serializer, deserializer)).isFalse();
        }
    }

    private static <T extends SpecificRecord> void assertWarms(Topics.Topic<T> topic) {
        T sample = SerdeWarmUp.sample(topic.valueType());
        try (Serializer<T> serializer = topic.serializer(registryUrl);
                Deserializer<T> deserializer = topic.deserializer(registryUrl)) {
            assertThat(SerdeWarmUp.warm(topic.valueType(), topic.name(), serializer, deserializer))
                    .as(topic.name()).isTrue();
            // What the warm-up left behind is what a real record uses: the same serdes read what they write.
            assertThat(deserializer.deserialize(topic.name(), serializer.serialize(topic.name(), sample)))
                    .as(topic.name()).isEqualTo(sample);
        }
    }
}

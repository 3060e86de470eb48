package io.stackl.tasks.broker.topology;

import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.SerdeWarmUp;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Where the topology gets the serdes of the public records. In production they write the Confluent wire format
 * against the registry; topology tests may pass a registry-free one (the wire format is tested on the real registry).
 */
public interface RecordSerdes {

    <T extends SpecificRecord> Serializer<T> serializer(Class<T> type);

    /** Must throw a {@code SerializationException} for bytes that are not a record of {@code type}. */
    <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type);

    /**
     * The wire format against the registry, warmed up as it is made ({@link SerdeWarmUp}). Each serializer is warmed
     * for every topic it writes ({@link WorkItem}s: the work topic of each of {@code taskTopics}); the topology shares
     * it between its stream tasks. Deserializers are made per stream task, and Kafka Streams also makes (and drops)
     * some while it builds the topology: only the first of each type is warmed, which loads and starts the registry
     * client's code in this JVM; each stream task's own deserializer still fetches its schema on its first record,
     * one request, ~10-20 ms against a warm registry.
     */
    static RecordSerdes registry(String registryUrl, Set<String> taskTopics) {
        Set<Class<?>> readersWarmed = ConcurrentHashMap.newKeySet();
        return new RecordSerdes() {
            @Override
            public <T extends SpecificRecord> Serializer<T> serializer(Class<T> type) {
                Serializer<T> serializer = AvroSerdes.serializer(type, registryUrl);
                topicsOf(type, taskTopics).forEach(topic -> SerdeWarmUp.warmWriter(type, topic, serializer));
                return serializer;
            }

            @Override
            public <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type) {
                Deserializer<T> deserializer = AvroSerdes.deserializer(type, registryUrl);
                if (readersWarmed.add(type)) {
                    topicsOf(type, taskTopics).stream().findFirst()
                            .ifPresent(topic -> SerdeWarmUp.warmReader(type, topic, deserializer, registryUrl));
                }
                return deserializer;
            }
        };
    }

    private static List<String> topicsOf(Class<?> type, Set<String> taskTopics) {
        return Topics.recordTypes(taskTopics.stream().sorted().map(Topics::workTopic).toList()).entrySet().stream()
                .filter(topic -> topic.getValue() == type).map(Map.Entry::getKey).toList();
    }
}

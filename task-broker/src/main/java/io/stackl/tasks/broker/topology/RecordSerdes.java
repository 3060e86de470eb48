package io.stackl.tasks.broker.topology;

import io.stackl.tasks.schema.AvroSerdes;
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

    static RecordSerdes registry(String registryUrl) {
        return new RecordSerdes() {
            @Override
            public <T extends SpecificRecord> Serializer<T> serializer(Class<T> type) {
                return AvroSerdes.serializer(type, registryUrl);
            }

            @Override
            public <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type) {
                return AvroSerdes.deserializer(type, registryUrl);
            }
        };
    }
}

package io.stackl.tasks.schema;

import org.apache.kafka.common.KafkaException;

/**
 * The registry could not be reached to resolve a schema id. Not a {@code SerializationException}: the record may be
 * perfectly good, so it must be retried (Kafka Streams replaces the thread and reprocesses from the last commit; a
 * consumer does not commit), never sent to the dead-letter topic.
 */
public class SchemaRegistryUnavailableException extends KafkaException {

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

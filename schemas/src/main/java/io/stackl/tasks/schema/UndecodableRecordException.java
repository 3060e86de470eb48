package io.stackl.tasks.schema;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The bytes of a record are not a valid record of the expected type: not the Confluent wire format, an unknown
 * schema id, a body that does not decode, or a record of another type. A service catches it (Kafka Streams through
 * its deserialization exception handler) and routes the original bytes to {@link Topics#TASK_DEAD_LETTERS}.
 */
public class UndecodableRecordException extends SerializationException {

    private final String topic;

    public UndecodableRecordException(String topic, String message, Throwable cause) {
        super("undecodable record on " + topic + ": " + message, cause);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}

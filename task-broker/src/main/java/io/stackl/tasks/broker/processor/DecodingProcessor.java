package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.topology.TaskObserver;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Decodes a source's raw value and forwards it to {@code target}. Bytes that do not decode, and records whose
 * processing fails with a non-Kafka exception (a bug), go to the dead-letter topic instead of stopping the stream.
 */
public final class DecodingProcessor<T> implements Processor<String, byte[], String, Object> {

    private final Deserializer<T> deserializer;
    private final String target;
    private final TaskObserver observer;
    private ProcessorContext<String, Object> context;

    public DecodingProcessor(Deserializer<T> deserializer, String target, TaskObserver observer) {
        this.deserializer = deserializer;
        this.target = target;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("unknown");
        T value = DeadLetterRouting.decodeOrDeadLetter(context, record, bytes -> deserializer.deserialize(topic, bytes),
                observer);
        if (value == null) {
            return;
        }
        try {
            context.forward(record.withValue(value), target);
        } catch (RuntimeException e) {
            if (DeadLetterRouting.isInfrastructure(e)) {
                throw e;
            }
            DeadLetterRouting.send(context, record, e, observer);
        }
    }
}

package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.domain.LockQueue;
import io.stackl.tasks.broker.store.JsonSerde;
import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.broker.topology.TopologyNames;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Owns the locks of the document keys in its partition. Each key is a FIFO queue; a grant goes back to the task's
 * partition. A task queues for its keys one at a time in one global (sorted) order, so no cycle of waits can form
 * across partitions: this is what makes the locks free of deadlock without a global coordinator. A task with several
 * keys first tries them all at once; a try takes a free key or is refused, and never waits (ADR 0008).
 */
public final class LockProcessor implements Processor<String, byte[], String, Object> {

    private final TaskObserver observer;
    private final JsonSerde<LockCommand> commands = new JsonSerde<>(LockCommand.class);
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, LockQueue> locks;

    public LockProcessor(TaskObserver observer) {
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.locks = context.getStateStore(TopologyNames.LOCKS_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        LockCommand command = DeadLetterRouting.decodeOrDeadLetter(context, record, bytes -> {
            LockCommand read = commands.deserializer().deserialize(TopologyNames.LOCK_REQUESTS_TOPIC, bytes);
            if (read != null && (read.key() == null || read.taskId() == null || read.type() == null)) {
                throw new SerializationException("incomplete lock command");
            }
            return read;
        }, observer);
        if (command == null) {
            return;
        }
        LockQueue queue = locks.get(command.key());
        if (queue == null) {
            queue = LockQueue.FREE;
        }
        LockQueue.Step step = queue.apply(command);
        // The times only say since when someone holds or waits (for people, GET /locks); no decision reads them.
        LockQueue next = step.queue().stampedAt(context.currentSystemTimeMs());
        if (next.isFree()) {
            locks.delete(command.key());
        } else if (!next.equals(queue)) {
            locks.put(command.key(), next);
        }
        // A key always maps to this partition, whose offsets only grow: the offset of the command that caused a grant
        // numbers the key's grants in order, with no state to keep, and the same after a replay.
        long epoch = context.recordMetadata().map(m -> m.offset() + 1).orElse(0L);
        LockGrant answer = step.answer(command, epoch);
        if (answer != null) {
            context.forward(new Record<String, Object>(answer.taskId(), answer, context.currentSystemTimeMs()),
                    TopologyNames.LOCK_GRANTS_SINK);
        }
    }
}

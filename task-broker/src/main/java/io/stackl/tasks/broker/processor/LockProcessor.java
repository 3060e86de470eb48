package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.store.JsonSerde;
import io.stackl.tasks.broker.store.LockTable;
import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.broker.topology.TopologyNames;
import java.util.OptionalLong;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Owns the locks of the document keys in its partition. Each key is a FIFO queue; a grant goes back to the task's
 * partition. A task queues for its keys one at a time in one global (sorted) order, so no cycle of waits can form
 * across partitions: this is what makes the locks free of deadlock without a global coordinator. A task with several
 * keys first tries them all at once; a try takes a free key or is refused, and never waits (ADR 0008). A grant for a
 * task whose record lives on this same partition goes straight to the task processor (ADR 0017).
 */
public final class LockProcessor implements Processor<String, byte[], String, Object> {

    private final TaskObserver observer;
    private final boolean localLocks;
    private final int partitions;
    private final JsonSerde<LockCommand> commands = new JsonSerde<>(LockCommand.class);
    private ProcessorContext<String, Object> context;
    private LockTable locks;
    private LockTable.Placement placement;

    /**
     * @param localLocks whether a grant for a task of this same partition goes straight to the task processor, in
     *     this transaction (ADR 0017), rather than through {@code task-lock-grants}
     */
    public LockProcessor(TaskObserver observer, boolean localLocks, int partitions) {
        this.observer = observer;
        this.localLocks = localLocks;
        this.partitions = partitions;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.locks = new LockTable(context.getStateStore(TopologyNames.LOCKS_STORE),
                context.getStateStore(TopologyNames.LOCK_EPOCHS_STORE));
        this.placement = new LockTable.Placement(context.taskId().partition(), partitions);
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
        OptionalLong offset =
                context.recordMetadata().map(m -> OptionalLong.of(m.offset())).orElse(OptionalLong.empty());
        LockGrant answer = locks.apply(command, context.currentSystemTimeMs(), offset);
        if (answer != null) {
            Record<String, Object> grant = new Record<>(answer.taskId(), answer, context.currentSystemTimeMs());
            context.forward(grant, localLocks && placement.isLocal(answer.taskId()) ? TopologyNames.TASK_PROCESSOR
                    : TopologyNames.LOCK_GRANTS_SINK);
        }
    }
}

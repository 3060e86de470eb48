package io.stackl.tasks.broker.store;

import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.domain.LockQueue;
import io.stackl.tasks.schema.TaskPartitions;
import java.util.OptionalLong;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The locks of the document keys on one partition: {@code document-locks-store} (a {@link LockQueue} per key) and the
 * number of the partition's last grant in {@code lock-epochs-store}. Both the lock processor (commands from
 * {@code task-lock-requests}) and, for keys on its own partition, the task processor (ADR 0017) carry out commands
 * here, on the same stream thread, so a key has one queue whichever way its commands come.
 *
 * <p>Epochs: every grant on the partition gets the next number, so a key's grants are numbered in order whichever
 * path they took. A partition with no number yet (a first start, an upgrade from a broker before ADR 0017, or a store
 * that was lost) starts at the wall clock in microseconds: above any offset plus one, the number brokers before ADR
 * 0017 gave (ADR 0007), and above what an earlier counter of this partition reached unless it granted more than a
 * thousand times a millisecond on average. A command read from the topic also lifts the number to its offset plus
 * one, so epochs never go below the old numbering either.
 */
public final class LockTable {

    /** The only key of {@code lock-epochs-store}: one counter per partition (a store is per partition). */
    static final String LAST_EPOCH = "last";

    private final KeyValueStore<String, LockQueue> locks;
    private final KeyValueStore<String, Long> epochs;

    public LockTable(KeyValueStore<String, LockQueue> locks, KeyValueStore<String, Long> epochs) {
        this.locks = locks;
        this.epochs = epochs;
    }

    /**
     * Carries out {@code command} on its key's queue, and returns whom to tell: a grant (numbered), a refused try, or
     * null when nobody is to hear anything.
     *
     * @param offset the command's offset in {@code task-lock-requests}; empty for a command that did not come through
     *     it
     */
    public LockGrant apply(LockCommand command, long now, OptionalLong offset) {
        LockQueue queue = locks.get(command.key());
        if (queue == null) {
            queue = LockQueue.FREE;
        }
        LockQueue.Step step = queue.apply(command);
        // The times only say since when someone holds or waits (for people, GET /locks); no decision reads them.
        LockQueue next = step.queue().stampedAt(now);
        if (next.isFree()) {
            locks.delete(command.key());
        } else if (!next.equals(queue)) {
            locks.put(command.key(), next);
        }
        return step.answer(command, step.grantedTo() == null ? 0 : nextEpoch(now, offset));
    }

    private long nextEpoch(long now, OptionalLong offset) {
        Long last = epochs.get(LAST_EPOCH);
        long epoch = last != null ? last + 1 : now * 1_000;
        if (offset.isPresent()) {
            epoch = Math.max(epoch, offset.getAsLong() + 1);
        }
        epochs.put(LAST_EPOCH, epoch);
        return epoch;
    }

    /** Which keys and task ids live on a given partition, for topics of a given partition count. */
    public record Placement(int partition, int partitions) {

        public boolean isLocal(String key) {
            return partitions == 1 || TaskPartitions.partitionOf(key, partitions) == partition;
        }
    }
}

package io.stackl.tasks.worker.consumer;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records taken from each partition and not yet finished, by offset. A partition's offset may be committed only
 * up to its oldest unfinished record: items run side by side and finish in any order, and a record committed past
 * would never be delivered again after a crash. Records are added by the consumer thread and finished by any thread.
 */
final class InFlight {

    /** One record's state; finished once its result (or dead letter) was acknowledged, or there was nothing to send. */
    static final class Entry {
        static final int RUNNING = 0;
        static final int SENDING = 1;
        static final int EXPIRED = 2;
        static final int DONE = 3;
        static final int FAILED = 4;

        private final AtomicInteger state = new AtomicInteger(RUNNING);

        /** The handler's result is in: from now on the deadline no longer stops it. False if the deadline came first. */
        boolean startSending() {
            return state.compareAndSet(RUNNING, SENDING);
        }

        /** The deadline passed while running: no result will be sent. False if the result was already on its way. */
        boolean expire() {
            return state.compareAndSet(RUNNING, EXPIRED);
        }

        void done() {
            state.set(DONE);
        }

        /** Its result could not be sent: the record must be taken again. */
        void failed() {
            state.set(FAILED);
        }

        boolean finished() {
            int s = state.get();
            return s == DONE || s == EXPIRED;
        }

        boolean isFailed() {
            return state.get() == FAILED;
        }
    }

    private static final ConcurrentSkipListMap<Long, Entry> EMPTY = new ConcurrentSkipListMap<>();

    private final Map<TopicPartition, ConcurrentSkipListMap<Long, Entry>> partitions = new HashMap<>();

    /** Called on the consumer thread for each record taken, in offset order. */
    Entry add(TopicPartition partition, long offset) {
        Entry entry = new Entry();
        partitions.computeIfAbsent(partition, p -> new ConcurrentSkipListMap<>()).put(offset, entry);
        return entry;
    }

    /** Records taken and not finished (running, or their result not yet acknowledged), over all partitions. */
    int unfinished() {
        return unfinished(partitions.keySet());
    }

    /** Records of these partitions taken and not finished (a record whose result could not be sent is finished). */
    int unfinished(Collection<TopicPartition> of) {
        int count = 0;
        for (TopicPartition partition : of) {
            for (Entry entry : partitions.getOrDefault(partition, EMPTY).values()) {
                if (!entry.finished() && !entry.isFailed()) {
                    count++;
                }
            }
        }
        return count;
    }

    /**
     * Forgets each partition's finished records up to its oldest unfinished one, and returns the offsets that may now
     * be committed (the next record to read), for the partitions that advanced.
     */
    Map<TopicPartition, OffsetAndMetadata> advance() {
        Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
        for (Map.Entry<TopicPartition, ConcurrentSkipListMap<Long, Entry>> partition : partitions.entrySet()) {
            ConcurrentSkipListMap<Long, Entry> entries = partition.getValue();
            Long next = null;
            while (!entries.isEmpty() && entries.firstEntry().getValue().finished()) {
                next = entries.pollFirstEntry().getKey() + 1;
            }
            if (next != null) {
                committable.put(partition.getKey(), new OffsetAndMetadata(next));
            }
        }
        return committable;
    }

    /**
     * The oldest record of each partition whose result could not be sent: the consumer seeks back to it (records
     * after it run again; the broker counts one result per attempt and token). Those partitions are forgotten.
     */
    Map<TopicPartition, Long> takeFailed() {
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (Map.Entry<TopicPartition, ConcurrentSkipListMap<Long, Entry>> partition : partitions.entrySet()) {
            for (Map.Entry<Long, Entry> entry : partition.getValue().entrySet()) {
                if (entry.getValue().isFailed()) {
                    rewind.put(partition.getKey(), partition.getValue().firstKey());
                    break;
                }
            }
        }
        rewind.keySet().forEach(partitions::remove);
        return rewind;
    }

    /** After a rebalance took them away: their records run to the end, but their offsets are not ours to commit. */
    void forget(Collection<TopicPartition> revoked) {
        revoked.forEach(partitions::remove);
    }
}

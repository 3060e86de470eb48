package io.stackl.tasks.worker.consumer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The records taken from each partition and not yet committed, by offset. A partition's offset may be committed only
 * up to its oldest unfinished record: items run side by side and finish in any order, and a record committed past
 * would never be delivered again after a crash. Records are added, advanced and forgotten on the consumer thread;
 * they finish on any thread.
 */
final class InFlight {

    enum State { RUNNING, SENDING, SEND_FAILED, EXPIRED, DONE }

    /**
     * One record. Finished (EXPIRED or DONE) once its result or dead letter was acknowledged, or there was nothing to
     * send, or its deadline stopped it. A send that failed keeps the record to be sent again; it never runs again.
     */
    final class Entry {
        private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
        private volatile ProducerRecord<String, byte[]> output;
        private volatile Instant sendBy;

        /**
         * The handler's result is in and will be sent: the deadline no longer stops it. False if the deadline came
         * first. {@code sendBy}: after it a failed send is not tried again (null: try until it is sent).
         */
        boolean startSending(ProducerRecord<String, byte[]> record, Instant sendBy) {
            this.output = record;
            this.sendBy = sendBy;
            return state.compareAndSet(State.RUNNING, State.SENDING);
        }

        Instant sendBy() {
            return sendBy;
        }

        /** The deadline passed while it ran: no result will be sent. False if the result was already on its way. */
        boolean expire() {
            if (state.compareAndSet(State.RUNNING, State.EXPIRED)) {
                unfinished.decrementAndGet();
                return true;
            }
            return false;
        }

        /** Acknowledged, or nothing to send. */
        void done() {
            while (true) {
                State s = state.get();
                if (s == State.EXPIRED || s == State.DONE) {
                    return;
                }
                if (state.compareAndSet(s, State.DONE)) {
                    unfinished.decrementAndGet();
                    output = null;
                    return;
                }
            }
        }

        /** The send failed: the consumer thread sends {@link #output()} again. */
        void sendFailed() {
            state.compareAndSet(State.SENDING, State.SEND_FAILED);
        }

        /** Claims a failed send for another try. */
        boolean retrySending() {
            return state.compareAndSet(State.SEND_FAILED, State.SENDING);
        }

        ProducerRecord<String, byte[]> output() {
            return output;
        }

        State state() {
            return state.get();
        }

        boolean finished() {
            State s = state.get();
            return s == State.EXPIRED || s == State.DONE;
        }
    }

    private static final ConcurrentSkipListMap<Long, Entry> EMPTY = new ConcurrentSkipListMap<>();

    private final Map<TopicPartition, ConcurrentSkipListMap<Long, Entry>> partitions = new HashMap<>();
    /** Per partition, the offset to commit: the next record after the last finished run of records. */
    private final Map<TopicPartition, OffsetAndMetadata> committable = new HashMap<>();
    private final AtomicInteger unfinished = new AtomicInteger();
    /**
     * Per partition, the size of its map, kept here because it is read on every turn of the loop and a skip list
     * counts its entries one by one. Changed on the consumer thread only.
     */
    private final Map<TopicPartition, Integer> tracked = new HashMap<>();
    /** Unfinished records of partitions taken away: not ours to commit, but their failed sends are still retried. */
    private final List<Entry> orphans = new ArrayList<>();

    /** Called on the consumer thread for each record taken, in offset order. */
    Entry add(TopicPartition partition, long offset) {
        Entry entry = new Entry();
        unfinished.incrementAndGet();
        partitions.computeIfAbsent(partition, p -> new ConcurrentSkipListMap<>()).put(offset, entry);
        tracked.merge(partition, 1, Integer::sum);
        return entry;
    }

    /** Records taken and not finished (running, or their result not yet acknowledged), over all partitions. */
    int unfinished() {
        return unfinished.get();
    }

    /** Records of these partitions still running or being sent. */
    int unfinished(Collection<TopicPartition> of) {
        int count = 0;
        for (TopicPartition partition : of) {
            for (Entry entry : partitions.getOrDefault(partition, EMPTY).values()) {
                if (!entry.finished()) {
                    count++;
                }
            }
        }
        return count;
    }

    /** Records of one partition taken and not yet committable (finished ones behind an unfinished one included). */
    int tracked(TopicPartition partition) {
        return tracked.getOrDefault(partition, 0);
    }

    /**
     * Forgets each partition's finished records up to its oldest unfinished one, and returns the offsets that may now
     * be committed (the next record to read), for the partitions that advanced.
     */
    Map<TopicPartition, OffsetAndMetadata> advance() {
        Map<TopicPartition, OffsetAndMetadata> advanced = new HashMap<>();
        for (Map.Entry<TopicPartition, ConcurrentSkipListMap<Long, Entry>> partition : partitions.entrySet()) {
            ConcurrentSkipListMap<Long, Entry> entries = partition.getValue();
            Long next = null;
            while (!entries.isEmpty() && entries.firstEntry().getValue().finished()) {
                next = entries.pollFirstEntry().getKey() + 1;
                tracked.merge(partition.getKey(), -1, Integer::sum);
            }
            if (next != null) {
                OffsetAndMetadata offset = new OffsetAndMetadata(next);
                advanced.put(partition.getKey(), offset);
                committable.put(partition.getKey(), offset);
            }
        }
        return advanced;
    }

    /** Every offset that may be committed for these partitions, whether or not an earlier commit of it failed. */
    Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> of) {
        advance();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : of) {
            OffsetAndMetadata offset = committable.get(partition);
            if (offset != null) {
                offsets.put(partition, offset);
            }
        }
        return offsets;
    }

    /** Records whose send failed, claimed for another try; those of partitions taken away too. */
    List<Entry> takeFailedSends() {
        List<Entry> failed = new ArrayList<>();
        for (ConcurrentSkipListMap<Long, Entry> entries : partitions.values()) {
            for (Entry entry : entries.values()) {
                if (entry.state() == State.SEND_FAILED && entry.retrySending()) {
                    failed.add(entry);
                }
            }
        }
        orphans.removeIf(Entry::finished);
        for (Entry entry : orphans) {
            if (entry.state() == State.SEND_FAILED && entry.retrySending()) {
                failed.add(entry);
            }
        }
        return failed;
    }

    /**
     * After a rebalance took them away: what still runs there finishes and sends its result, but those offsets are no
     * longer ours to commit.
     */
    void forget(Collection<TopicPartition> revoked) {
        for (TopicPartition partition : revoked) {
            ConcurrentSkipListMap<Long, Entry> entries = partitions.remove(partition);
            tracked.remove(partition);
            if (entries != null) {
                entries.values().stream().filter(e -> !e.finished()).forEach(orphans::add);
            }
            committable.remove(partition);
        }
    }
}

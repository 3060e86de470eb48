package io.stackl.tasks.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads a topic from its end, on its own thread, and hands each record to {@code onRecord} with the instant
 * ({@link System#nanoTime()}) it was seen. Assigned all partitions (no group), so it starts at once.
 */
final class ReplyWatch implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    ReplyWatch(KafkaClients kafka, String topic, boolean readCommitted, BiConsumer<ConsumerRecord<String, byte[]>, Long> onRecord) {
        consumer = new KafkaConsumer<>(kafka.consumer(null, readCommitted), new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        thread = new Thread(() -> {
            try {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        onRecord.accept(record, System.nanoTime());
                    }
                }
            } catch (WakeupException stopping) {
                // closed
            } finally {
                consumer.close();
            }
        }, "reply-watch-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    /** A request on its way: when it was due ({@link System#nanoTime()}), and where its latency goes. */
    record Pending(long intendedNanos, Latencies into) {}

    /** Completes pending requests by key: records the latency from the intended send instant. */
    static BiConsumer<ConsumerRecord<String, byte[]>, Long> completing(Map<String, Pending> pending) {
        return (record, seenAt) -> {
            Pending request = pending.remove(record.key());
            if (request != null) {
                request.into().record((seenAt - request.intendedNanos()) / 1_000);
            }
        };
    }

    static Map<String, Pending> pending() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

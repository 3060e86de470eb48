package io.stackl.tasks.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The raw Kafka baselines: the least that a request/reply, an exactly-once hop, and a task's path can cost on this
 * broker with these client settings. Each shape takes requests on {@link #requestTopic} and answers on
 * {@link #replyTopic}, keyed as asked.
 */
final class RawShapes {

    /** A running pipeline of stages between a request topic and a reply topic. */
    static final class Shape implements AutoCloseable {
        final String name;
        final String requestTopic;
        final String replyTopic;
        final boolean readCommitted;
        private final List<AutoCloseable> stages = new ArrayList<>();

        Shape(String name, String requestTopic, String replyTopic, boolean readCommitted) {
            this.name = name;
            this.requestTopic = requestTopic;
            this.replyTopic = replyTopic;
            this.readCommitted = readCommitted;
        }

        @Override
        public void close() {
            for (int i = stages.size() - 1; i >= 0; i--) {
                try {
                    stages.get(i).close();
                } catch (Exception e) {
                    System.err.println("bench: stopping a stage of " + name + ": " + e.getMessage());
                }
            }
        }
    }

    private RawShapes() {}

    /** 1. Plain request/reply: producer → echo (consumer + producer) → reply consumer. */
    static Shape plain(KafkaClients kafka) {
        Shape shape = new Shape("raw plain request/reply", "bench-plain-req", "bench-plain-rep", false);
        kafka.createTopics(List.of(shape.requestTopic, shape.replyTopic));
        shape.stages.add(echo(kafka, shape.requestTopic, shape.replyTopic, "bench-plain-echo"));
        return shape;
    }

    /** 2. One exactly-once hop: a transactional echo with the broker's Kafka Streams settings; replies read_committed. */
    static Shape exactlyOnceHop(KafkaClients kafka, Path stateDir) {
        Shape shape = new Shape("raw exactly-once hop", "bench-eos-req", "bench-eos-rep", true);
        kafka.createTopics(List.of(shape.requestTopic, shape.replyTopic));
        shape.stages.add(exactlyOnce(kafka, shape.requestTopic, shape.replyTopic, "bench-eos-hop", stateDir));
        return shape;
    }

    /**
     * 3. The raw chain of a task's shape: exactly-once stage (the broker admits and dispatches) → plain echo (a worker)
     * → exactly-once stage (the broker takes the result and publishes the end) → read_committed reply consumer.
     */
    static Shape chain(KafkaClients kafka, Path stateDir) {
        Shape shape = new Shape("raw chain (EOS → echo → EOS)", "bench-chain-req", "bench-chain-out", true);
        kafka.createTopics(List.of(shape.requestTopic, "bench-chain-work", "bench-chain-res", shape.replyTopic));
        shape.stages.add(exactlyOnce(kafka, shape.requestTopic, "bench-chain-work", "bench-chain-in", stateDir));
        shape.stages.add(echo(kafka, "bench-chain-work", "bench-chain-res", "bench-chain-worker"));
        shape.stages.add(exactlyOnce(kafka, "bench-chain-res", shape.replyTopic, "bench-chain-out", stateDir));
        return shape;
    }

    /** A consumer that sends every record it reads on to {@code to}, as a worker does (read_committed, like it). */
    private static AutoCloseable echo(KafkaClients kafka, String from, String to, String group) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer(group, true),
                new StringDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> producer = kafka.producer();
        AtomicBoolean running = new AtomicBoolean(true);
        consumer.subscribe(List.of(from));
        // Joined before the load starts: a group that is still rebalancing would count as latency.
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (consumer.assignment().isEmpty() && System.nanoTime() < until) {
            consumer.poll(Duration.ofMillis(100));
        }
        Thread thread = new Thread(() -> {
            try {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        producer.send(new ProducerRecord<>(to, record.key(), record.value()));
                    }
                }
            } catch (WakeupException stopping) {
                // closed
            } finally {
                producer.close(Duration.ofSeconds(2));
                consumer.close(Duration.ofSeconds(2));
            }
        }, "echo-" + group);
        thread.setDaemon(true);
        thread.start();
        return () -> {
            running.set(false);
            consumer.wakeup();
            thread.join(5_000);
        };
    }

    private static AutoCloseable exactlyOnce(KafkaClients kafka, String from, String to, String applicationId,
            Path stateDir) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(from, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .to(to, Produced.with(Serdes.String(), Serdes.ByteArray()));
        KafkaStreams streams = new KafkaStreams(builder.build(), kafka.exactlyOnceStage(applicationId, stateDir));
        streams.start();
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < until) {
            sleep(100);
        }
        if (streams.state() != KafkaStreams.State.RUNNING) {
            streams.close(Duration.ofSeconds(5));
            throw new IllegalStateException(applicationId + " did not start: " + streams.state());
        }
        return () -> streams.close(Duration.ofSeconds(10));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

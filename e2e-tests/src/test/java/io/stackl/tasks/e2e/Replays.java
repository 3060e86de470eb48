package io.stackl.tasks.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/**
 * The faults Kafka itself can cause without anything crashing: a record delivered twice (a producer's retry, a
 * consumer's rewind after a failed commit), and a consumer group set back to read again what it had processed.
 */
final class Replays {

    private Replays() {}

    /** Produces every record written onto {@code topics} since {@code since} once more, bytes and headers as they were. */
    static void sendAgain(Suite suite, List<String> topics, Instant since) {
        String servers = suite.infra.kafka().bootstrapServers();
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (var consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String topic : topics) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                Map<TopicPartition, Long> from = startOffsets(consumer, partitions, since, end);
                from.forEach(consumer::seek);
                List<ConsumerRecord<byte[], byte[]>> again = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                        && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                        if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                            again.add(r);
                        }
                    });
                }
                for (ConsumerRecord<byte[], byte[]> r : again) {
                    producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), r.value(), r.headers()));
                }
                producer.flush();
            }
        }
    }

    /**
     * Sets the groups' committed offsets back to the first record at or after {@code since}; the group's consumer
     * must be down (it is removed from the group first, so that no session timeout has to pass).
     */
    static void rewindGroups(Suite suite, List<String> groups, Instant since) {
        String servers = suite.infra.kafka().bootstrapServers();
        Properties adminProps = new Properties();
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (Admin admin = Admin.create(adminProps);
                var consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (String group : groups) {
                Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions().until(() -> {
                            admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions())
                                    .all().get();
                            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).state()
                                    == ConsumerGroupState.EMPTY;
                        });
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                List<TopicPartition> partitions = new ArrayList<>(committed.keySet());
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                Map<TopicPartition, OffsetAndMetadata> rewound = new HashMap<>();
                startOffsets(consumer, partitions, since, end).forEach((p, offset) -> {
                    if (committed.get(p) != null && offset < committed.get(p).offset()) {
                        rewound.put(p, new OffsetAndMetadata(offset));
                    }
                });
                admin.alterConsumerGroupOffsets(group, rewound).all().get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot rewind " + groups, e);
        }
    }

    private static Map<TopicPartition, Long> startOffsets(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, Instant since, Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, since.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp at = found.get(p);
            from.put(p, at == null ? end.get(p) : at.offset());
        }
        return from;
    }
}

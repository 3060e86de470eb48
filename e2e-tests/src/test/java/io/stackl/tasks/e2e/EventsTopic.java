package io.stackl.tasks.e2e;

import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Every committed record of {@code task-events}, as a user's read_committed consumer sees it: the checker's second
 * witness besides the history database. One reader per test JVM that catches up on demand, so a check costs only the
 * events written since the last one.
 */
final class EventsTopic {

    private static EventsTopic instance;

    private final KafkaConsumer<String, TaskEvent> consumer;
    private final Map<String, List<TaskEvent>> byTask = new ConcurrentHashMap<>();

    private EventsTopic(Suite suite) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, suite.infra.kafka().bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                AvroSerdes.deserializer(TaskEvent.class, suite.infra.registry().apicurioApiUrl()));
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.TASK_EVENTS.name(), Duration.ofSeconds(30))
                .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    static synchronized EventsTopic get(Suite suite) {
        if (instance == null) {
            instance = new EventsTopic(suite);
        }
        return instance;
    }

    /** Reads up to the last stable offset of every partition as it is now, then answers from what was read. */
    synchronized Map<String, List<TaskEvent>> catchUp() {
        // For a read_committed consumer the end offsets are the last stable offsets: nothing beyond them is final.
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("task-events could not be read to " + end + " within 2 minutes");
            }
            consumer.poll(Duration.ofMillis(500)).forEach(r ->
                    byTask.computeIfAbsent(r.value().getTaskId(), id -> new ArrayList<>()).add(r.value()));
        }
        return byTask;
    }
}

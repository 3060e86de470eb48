package io.stackl.tasks.worker.bench;

import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import io.stackl.tasks.schema.AvroSerdes;
import io.stackl.tasks.schema.TopicAdmin;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * No-op tasks per second through packaged workers (1 and 3 processes), against the raw consume-produce rate of the
 * same kind of topic in the same run (a plain consumer copying each record to an output topic, committing per batch).
 * Printed, not asserted. Run by hand:
 * <pre>./mvnw -pl worker-service -am install -DskipTests &amp;&amp; ./mvnw -pl worker-service test -Dtest=WorkerBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class WorkerBenchmark {

    private static final int ITEMS = 20_000;
    private final LocalInfrastructure infra = SharedInfrastructure.get();

    @Test
    void measure() throws Exception {
        for (int round = 1; round <= 2; round++) {
            double raw = raw();
            double one = workers(1);
            double three = workers(3);
            System.out.printf("round %d: raw consume-produce %.0f/s; 1 worker %.0f/s (%.2fx raw); 3 workers %.0f/s"
                    + " (%.2fx raw, %.2fx one worker)%n", round, raw, one, one / raw, three, three / raw, three / one);
        }
    }

    private double raw() throws Exception {
        String in = "bench-raw-in-" + UUID.randomUUID();
        String out = "bench-raw-out-" + UUID.randomUUID();
        TopicAdmin.ensure(infra.kafka().bootstrapServers(), List.of(in, out), 6, (short) 1);
        produce(in, "noop");
        long start = System.nanoTime();
        Properties props = consumerProps("bench-raw");
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                var producer = producer()) {
            consumer.subscribe(List.of(in));
            int copied = 0;
            while (copied < ITEMS) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    producer.send(new ProducerRecord<>(out, r.key(), r.value()));
                    copied++;
                }
                producer.flush();
                consumer.commitSync();
            }
        }
        return ITEMS / ((System.nanoTime() - start) / 1e9);
    }

    private double workers(int count) throws Exception {
        String topic = "bench" + UUID.randomUUID().toString().substring(0, 8);
        String group = "bench-workers-" + topic;
        TopicAdmin.ensure(infra.kafka().bootstrapServers(), List.of(Topics.workTopic(topic), Topics.TASK_RESULTS.name()),
                6, (short) 1);
        List<ServiceProcess> workers = new ArrayList<>();
        try (var results = new KafkaConsumer<>(consumerProps("bench-results"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            var partitions = results.partitionsFor(Topics.TASK_RESULTS.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            results.assign(partitions);
            results.seekToEnd(partitions);
            partitions.forEach(results::position);
            for (int i = 0; i < count; i++) {
                Map<String, String> env = new HashMap<>(infra.serviceEnvironment());
                env.put("HISTORY_URL", "http://127.0.0.1:1");
                env.put("TASKS_WORKER_TOPICS", topic);
                env.put("TASKS_WORKER_GROUP", group);
                env.put("TASKS_WORKER_MAX_PARALLEL", "64");
                workers.add(ServiceProcess.startOnFreePort(Path.of("..").toAbsolutePath().normalize(), "worker-service",
                        env, Path.of("target", "bench-logs").toAbsolutePath()));
            }
            Thread.sleep(3_000); // let the group settle before the clock starts
            long start = System.nanoTime();
            produce(Topics.workTopic(topic), topic);
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (seen < ITEMS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(100))) {
                    if (r.key().startsWith(topic)) {
                        seen++;
                    }
                }
            }
            return seen / ((System.nanoTime() - start) / 1e9);
        } finally {
            workers.forEach(ServiceProcess::close);
        }
    }

    /** Work items of a no-op task topic ({@code noop} handles "*" subtypes only for topic noop, so use it). */
    private void produce(String topic, String idPrefix) {
        try (var producer = producer();
                Serializer<WorkItem> serializer = AvroSerdes.serializer(WorkItem.class, infra.registry().apicurioApiUrl())) {
            for (int i = 0; i < ITEMS; i++) {
                String id = idPrefix + "-" + i;
                WorkItem item = WorkItem.newBuilder().setTaskId(id).setKind(WorkKind.EXECUTE).setTopic("noop")
                        .setSubtype("run").setArgumentsJson("{}").setAttempt(1).setFencingToken(1)
                        .setDeadline(Instant.now().plusSeconds(600)).setDispatchedAt(Instant.now())
                        .setIdempotencyKey(id + ":1").build();
                producer.send(new ProducerRecord<>(topic, id, serializer.serialize(topic, item)));
            }
            producer.flush();
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private Properties consumerProps(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafka().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group + "-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }
}

package io.stackl.tasks.broker.bench;

import io.stackl.tasks.testkit.KafkaTestClient;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Figures for the broker on the real Kafka broker, printed, not asserted (machines here are noisy). Not part of the
 * test run; run it with:
 * <pre>./mvnw -pl task-broker -am install -DskipTests &amp;&amp; ./mvnw -pl task-broker test -Dtest=BrokerBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * 1. dispatch latency (submit → DISPATCHED seen by a read_committed consumer) at a fixed rate, for Kafka Streams'
 *    defaults against the settings we chose, in the same run; 2. the lateness of 10,000 timeouts; 3. lock throughput
 *    with many tasks contending for few keys, against the same tasks without locks.
 */
class BrokerBenchmark {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Map<String, String> STREAMS_DEFAULTS = Map.of("TASKS_BROKER_COMMIT_INTERVAL_MS", "100",
            "TASKS_BROKER_LINGER_MS", "100");
    private static final Map<String, String> CHOSEN = Map.of("TASKS_BROKER_COMMIT_INTERVAL_MS", "10",
            "TASKS_BROKER_LINGER_MS", "1");

    private final LocalInfrastructure infra = SharedInfrastructure.get();
    private final KafkaTestClient kafka = new KafkaTestClient(infra.kafka().bootstrapServers(),
            infra.registry().apicurioApiUrl());

    @Test
    void measure() throws Exception {
        System.out.println("== dispatch latency, 1,000 tasks at 100/s ==");
        for (var settings : List.of(Map.entry("streams defaults (commit 100 ms, linger 100 ms)", STREAMS_DEFAULTS),
                Map.entry("chosen (commit 10 ms, linger 1 ms)", CHOSEN),
                Map.entry("streams defaults again", STREAMS_DEFAULTS),
                Map.entry("chosen again", CHOSEN))) {
            try (ServiceProcess broker = broker(settings.getValue())) {
                System.out.println(settings.getKey() + ": " + dispatchLatency(1_000, 100));
            }
        }
        try (ServiceProcess broker = broker(CHOSEN)) {
            System.out.println("== 10,000 timeouts, execution timeouts spread over 3-8 s ==");
            System.out.println(timeoutLateness(10_000));
            System.out.println("== lock throughput, 2,000 tasks, a worker that answers at once ==");
            double unlocked = throughput(2_000, 0);
            double fourKeys = throughput(2_000, 4);
            double oneKey = throughput(2_000, 1);
            System.out.printf("no locks: %.0f tasks/s; 4 keys: %.0f tasks/s (%.2fx); 1 key: %.0f tasks/s (%.2fx)%n",
                    unlocked, fourKeys, fourKeys / unlocked, oneKey, oneKey / unlocked);
        }
        kafka.close();
    }

    private String dispatchLatency(int count, int perSecond) throws Exception {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        try (var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            events.poll(r -> { });
            String run = UUID.randomUUID().toString().substring(0, 8);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long due = start + i * 1_000_000_000L / perSecond;
                while (System.nanoTime() < due) {
                    events.poll(r -> record(r.value(), TaskState.DISPATCHED, sentAt, latencies));
                }
                String id = "lat-" + run + "-" + i;
                sentAt.put(id, System.currentTimeMillis());
                kafka.sendAsync(Topics.TASK_REQUESTS.name(), id, request(id).build());
            }
            kafka.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (latencies.size() < count && System.nanoTime() < deadline) {
                events.poll(r -> record(r.value(), TaskState.DISPATCHED, sentAt, latencies));
            }
        }
        return percentiles(latencies, count);
    }

    private String timeoutLateness(int count) throws Exception {
        Random random = new Random(42);
        Map<String, Long> deadlines = new HashMap<>();
        List<Long> brokerLateness = new ArrayList<>();
        List<Long> observedLateness = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            events.poll(r -> { });
            for (int i = 0; i < count; i++) {
                String id = "timer-" + run + "-" + i;
                kafka.sendAsync(Topics.TASK_REQUESTS.name(), id,
                        request(id).setExecutionTimeoutMs(3_000L + random.nextInt(5_000)).build());
            }
            kafka.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (brokerLateness.size() < count && System.nanoTime() < deadline) {
                events.poll(r -> {
                    TaskEvent e = r.value();
                    if (!e.getTaskId().startsWith("timer-" + run)) {
                        return;
                    }
                    if (e.getState() == TaskState.DISPATCHED) {
                        deadlines.put(e.getTaskId(), e.getDeadline().toEpochMilli());
                    } else if (e.getState() == TaskState.TIMED_OUT) {
                        long due = deadlines.get(e.getTaskId());
                        brokerLateness.add(e.getOccurredAt().toEpochMilli() - due);
                        observedLateness.add(System.currentTimeMillis() - due);
                    }
                });
            }
        }
        long early = brokerLateness.stream().filter(l -> l < 0).count();
        return "fired " + brokerLateness.size() + " of " + count + ", early: " + early + "\n  lateness at the broker: "
                + percentiles(brokerLateness, count) + "\n  lateness seen by a consumer: "
                + percentiles(observedLateness, count);
    }

    private double throughput(int count, int keys) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        AtomicBoolean working = new AtomicBoolean(true);
        Thread worker = new Thread(() -> {
            try (var work = kafka.reader(Topics.workTopic("noop"), WorkItem.class)) {
                while (working.get()) {
                    work.poll(r -> {
                        WorkItem item = r.value();
                        if (item.getTaskId().startsWith("tp-" + run)) {
                            kafka.sendAsync(Topics.TASK_RESULTS.name(), item.getTaskId(), TaskResult.newBuilder()
                                    .setTaskId(item.getTaskId()).setKind(WorkKind.EXECUTE).setAttempt(item.getAttempt())
                                    .setFencingToken(item.getFencingToken()).setSucceeded(true).setOutputJson("{}")
                                    .setStartedAt(Instant.now()).setFinishedAt(Instant.now()).build());
                        }
                    });
                    kafka.flush();
                }
            }
        });
        worker.start();
        Set<String> done = ConcurrentHashMap.newKeySet();
        long start;
        try (var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            events.poll(r -> { });
            Thread.sleep(2_000); // let the worker's consumer join its group
            start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String id = "tp-" + run + "-" + i;
                TaskRequest.Builder request = request(id).setQueueTimeoutMs(600_000L);
                if (keys > 0) {
                    request.setChangedDocumentKeys(List.of("bench/" + run + "/" + (i % keys)));
                }
                kafka.sendAsync(Topics.TASK_REQUESTS.name(), id, request.build());
            }
            kafka.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            while (done.size() < count && System.nanoTime() < deadline) {
                events.poll(r -> {
                    if (r.value().getState() == TaskState.SUCCEEDED && r.key().startsWith("tp-" + run)) {
                        done.add(r.key());
                    }
                });
            }
        } finally {
            working.set(false);
            worker.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("  %d keys: %d of %d succeeded in %.1f s%n", keys, done.size(), count, seconds);
        return done.size() / seconds;
    }

    private static void record(TaskEvent event, TaskState state, Map<String, Long> sentAt, List<Long> latencies) {
        Long sent = sentAt.remove(event.getTaskId());
        if (event.getState() == state && sent != null) {
            latencies.add(System.currentTimeMillis() - sent);
        } else if (sent != null) {
            sentAt.put(event.getTaskId(), sent);
        }
    }

    private static String percentiles(List<Long> values, int expected) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return "no samples";
        }
        return String.format("n=%d/%d p50=%d ms p99=%d ms max=%d ms", sorted.size(), expected,
                sorted.get(sorted.size() / 2), sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * 0.99)),
                sorted.get(sorted.size() - 1));
    }

    private ServiceProcess broker(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(infra.serviceEnvironment());
        env.putAll(settings);
        env.put("TASKS_BROKER_STATE_DIR", Path.of("target", "bench-state", UUID.randomUUID().toString())
                .toAbsolutePath().toString());
        return ServiceProcess.startOnFreePort(ROOT, "task-broker", env, Path.of("target", "bench-logs").toAbsolutePath());
    }

    private static TaskRequest.Builder request(String id) {
        return TaskRequest.newBuilder().setId(id).setTopic("noop").setSubtype("run").setSource("bench")
                .setArgumentsJson("{}").setQueueTimeoutMs(60_000L).setExecutionTimeoutMs(600_000L)
                .setSubmittedAt(Instant.now());
    }
}

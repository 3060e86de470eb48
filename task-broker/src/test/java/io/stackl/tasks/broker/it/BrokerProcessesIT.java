package io.stackl.tasks.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.FreePorts;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged broker as separate processes on the real Kafka broker and registry: a crash (SIGKILL) and restart in
 * the middle of the flow, on an empty state folder so that state must come back from the changelogs; then two
 * instances sharing the partitions, each answering live state for every task.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerProcessesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path PROJECT_ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalInfrastructure infra;
    private static KafkaTestClient kafka;
    private static final List<ServiceProcess> brokers = new ArrayList<>();

    @BeforeAll
    static void start() {
        infra = SharedInfrastructure.get();
        kafka = new KafkaTestClient(infra.kafka().bootstrapServers(), infra.registry().apicurioApiUrl());
    }

    @AfterAll
    static void stop() {
        brokers.forEach(ServiceProcess::close);
        kafka.close();
    }

    @Test
    @Order(1)
    void shouldKeepEveryTaskAndDeadlineAcrossABrokerCrashAndRestart() {
        ServiceProcess first = startBroker("crash");
        List<String> timingOut = ids("times-out", 20);
        List<String> succeeding = ids("succeeds", 20);
        List<String> contending = ids("contends", 8);
        try (var work = kafka.reader(Topics.workTopic("noop"), WorkItem.class);
                var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            timingOut.forEach(id -> submit(request(id).setExecutionTimeoutMs(12_000L).build()));
            succeeding.forEach(id -> submit(request(id).setExecutionTimeoutMs(120_000L).build()));
            contending.forEach(id -> submit(request(id).setChangedDocumentKeys(List.of("doc/shared"))
                    .setQueueTimeoutMs(120_000L).setExecutionTimeoutMs(120_000L).build()));
            events.until(seen -> dispatched(seen).containsAll(timingOut) && dispatched(seen).containsAll(succeeding)
                    && waiting(seen, contending) == contending.size() - 1, WAIT);

            // A crash in the middle of the flow, then a restart on an empty state folder: everything must come back
            // from the changelog topics.
            first.kill();
            brokers.remove(first);
            startBroker("after-crash");

            Map<String, WorkItem> items = new HashMap<>();
            work.until(seen -> {
                seen.forEach(r -> items.putIfAbsent(r.key(), r.value()));
                return items.keySet().containsAll(succeeding);
            }, WAIT);
            succeeding.forEach(id -> succeed(items.get(id)));
            // The lock holders run one after another: each success hands the lock to the next in line.
            for (int i = 0; i < contending.size(); i++) {
                WorkItem holder = work.until(seen -> {
                    seen.forEach(r -> items.putIfAbsent(r.key(), r.value()));
                    return contending.stream().filter(items::containsKey).count() > completed(contending, events);
                }, WAIT).stream().map(ConsumerRecord::value).filter(w -> contending.contains(w.getTaskId()))
                        .filter(w -> !isTerminal(events, w.getTaskId())).findFirst().orElseThrow();
                succeed(holder);
                events.until(seen -> terminal(seen, holder.getTaskId()) != null, WAIT);
            }
            // Deadlines set before the crash still fire after it; the rollbacks are then reported.
            events.until(seen -> timingOut.stream().allMatch(id -> states(seen, id).contains(TaskState.ROLLING_BACK)),
                    WAIT);
            timingOut.forEach(id -> kafka.send(Topics.TASK_ROLLBACK_REPORTS.name(), id, RollbackReport.newBuilder()
                    .setTaskId(id).setRolledBack(true).setFinishedAt(Instant.now()).build()));
            List<ConsumerRecord<String, TaskEvent>> all = events.until(seen -> timingOut.stream()
                    .allMatch(id -> terminal(seen, id) != null), WAIT);

            for (String id : succeeding) {
                assertThat(states(all, id)).as(id).containsExactly(TaskState.SUBMITTED, TaskState.DISPATCHED,
                        TaskState.SUCCEEDED);
            }
            for (String id : timingOut) {
                assertThat(states(all, id)).as(id).containsExactly(TaskState.SUBMITTED, TaskState.DISPATCHED,
                        TaskState.TIMED_OUT, TaskState.ROLLING_BACK, TaskState.ROLLED_BACK);
            }
            for (String id : contending) {
                assertThat(states(all, id)).as(id).endsWith(TaskState.DISPATCHED, TaskState.SUCCEEDED);
            }
            assertSequencesAreGapFreeAndUnique(all);
        }
    }

    @Test
    @Order(2)
    void shouldShareThePartitionsBetweenTwoInstancesAndAnswerLiveStateFromEither() throws Exception {
        if (brokers.isEmpty()) {
            startBroker("one");
        }
        ServiceProcess second = startBroker("two");
        ServiceProcess first = brokers.get(0);
        List<String> tasks = ids("shared", 30);
        try (var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            tasks.forEach(id -> submit(request(id).build()));
            events.until(seen -> dispatched(seen).containsAll(tasks), WAIT);
        }

        Set<String> servedBy = new HashSet<>();
        for (String id : tasks) {
            String viaFirst = liveState(first, id);
            String viaSecond = liveState(second, id);
            assertThat(viaFirst).contains("\"state\":\"DISPATCHED\"");
            assertThat(viaSecond).isEqualTo(viaFirst);
            servedBy.add(viaFirst.replaceAll(".*\"servedBy\":\"([^\"]+)\".*", "$1"));
        }
        assertThat(servedBy).as("both instances own some of the tasks").hasSize(2);
    }

    // ---------------------------------------------------------------- helpers

    private static ServiceProcess startBroker(String name) {
        return startBroker(name, Map.of());
    }

    private static ServiceProcess startBroker(String name, Map<String, String> settings) {
        int port = FreePorts.any();
        Map<String, String> env = new HashMap<>(infra.serviceEnvironment());
        env.putAll(settings);
        env.put("TASKS_BROKER_STATE_DIR", Path.of("target", "it-state", name + "-" + UUID.randomUUID()).toAbsolutePath()
                .toString());
        env.put("TASKS_BROKER_TASK_TOPICS", "document,http,noop");
        ServiceProcess broker = ServiceProcess.start(PROJECT_ROOT, "task-broker", port, env,
                Path.of("target", "it-logs").toAbsolutePath());
        brokers.add(broker);
        return broker;
    }

    /**
     * Kubernetes stops a pod with SIGTERM and kills it when its grace period is over: a broker whose Kafka is gone
     * must still stop within its shutdown timeout, not hang on its clients' own minute-long timeouts (BoundedShutdown).
     */
    @Test
    @Order(3)
    void shouldStopWithinItsShutdownTimeoutWhenKafkaIsGone() throws Exception {
        ServiceProcess broker = startBroker("bounded-stop", Map.of("TASKS_BROKER_SHUTDOWN_TIMEOUT", "5s"));
        String id = "stop-" + UUID.randomUUID();
        try (var events = kafka.reader(Topics.TASK_EVENTS.name(), TaskEvent.class)) {
            submit(request(id).build());
            events.until(seen -> dispatched(seen).contains(id), WAIT);
        }
        long kafkaPid = infra.kafka().pid();
        signal(kafkaPid, "STOP");
        java.util.OptionalInt exit;
        long tookMs;
        try {
            long started = System.nanoTime();
            exit = broker.terminate(Duration.ofSeconds(25));
            tookMs = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("broker with Kafka stopped: exit %s %d ms after SIGTERM (shutdown timeout 5 s)%n",
                    exit.isPresent() ? exit.getAsInt() : "none", tookMs);
        } finally {
            signal(kafkaPid, "CONT");
        }
        brokers.remove(broker);
        broker.close();
        assertThat(exit).as("exited within 25 s of SIGTERM; log:%n%s", broker.logTail(20)).isPresent();
        // Within the timeout and the JVM's own exit. Two ways are right: Kafka Streams closed in time (an idle thread
        // has nothing to commit: the JVM's exit after SIGTERM, 143), or it did not and the broker gave up (3). Without
        // the bound, a thread blocked on the stopped Kafka held the stop for its clients' 60 s.
        assertThat(tookMs).isLessThan(15_000);
        assertThat(exit.getAsInt()).isIn(3, 143);
        if (exit.getAsInt() == 3) {
            assertThat(broker.logTail(200)).contains("Kafka Streams did not close within");
        }
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor())
                .as("kill -" + signal).isZero();
    }

    private static String liveState(ServiceProcess broker, String id) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            // As the gateway asks; the instance asked forwards to the owner with the brokers' own token.
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(broker.url() + "/tasks/" + id))
                    .header("Authorization", "Bearer " + infra.serviceEnvironment().get("TASKS_BROKER_TOKEN_GATEWAY"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return response.body();
            }
            // 503 + Retry-After while partitions move after the second instance joined; a client retries.
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(System.nanoTime()).as("live state of %s answered within %s", id, WAIT).isLessThan(deadline);
            Thread.sleep(Long.parseLong(response.headers().firstValue("Retry-After").orElse("1")) * 200);
        }
    }

    private static void submit(TaskRequest request) {
        kafka.send(Topics.TASK_REQUESTS.name(), request.getId(), request);
    }

    private static void succeed(WorkItem item) {
        kafka.send(Topics.TASK_RESULTS.name(), item.getTaskId(), TaskResult.newBuilder().setTaskId(item.getTaskId())
                .setKind(WorkKind.EXECUTE).setAttempt(item.getAttempt()).setFencingToken(item.getFencingToken())
                .setSucceeded(true).setOutputJson("{}").setStartedAt(Instant.now()).setFinishedAt(Instant.now())
                .build());
    }

    private static TaskRequest.Builder request(String id) {
        return TaskRequest.newBuilder().setId(id).setTopic("noop").setSubtype("run").setSource("broker-it")
                .setArgumentsJson("{}").setQueueTimeoutMs(60_000L).setExecutionTimeoutMs(60_000L)
                .setSubmittedAt(Instant.now());
    }

    private static List<String> ids(String prefix, int n) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        return IntStream.range(0, n).mapToObj(i -> prefix + "-" + run + "-" + i).toList();
    }

    private static List<TaskState> states(List<ConsumerRecord<String, TaskEvent>> events, String id) {
        return events.stream().filter(r -> id.equals(r.key())).map(r -> r.value().getState()).toList();
    }

    private static Set<String> dispatched(List<ConsumerRecord<String, TaskEvent>> events) {
        Set<String> ids = new HashSet<>();
        events.stream().filter(r -> r.value().getState() == TaskState.DISPATCHED).forEach(r -> ids.add(r.key()));
        return ids;
    }

    private static long waiting(List<ConsumerRecord<String, TaskEvent>> events, List<String> ids) {
        return ids.stream().filter(id -> states(events, id).contains(TaskState.WAITING_FOR_LOCKS)
                && !states(events, id).contains(TaskState.DISPATCHED)).count();
    }

    private static TaskState terminal(List<ConsumerRecord<String, TaskEvent>> events, String id) {
        return states(events, id).stream().filter(TaskStates::isTerminal).findFirst().orElse(null);
    }

    private static boolean isTerminal(KafkaTestClient.Reader<TaskEvent> events, String id) {
        return terminal(events.until(s -> true, WAIT), id) != null;
    }

    private static long completed(List<String> ids, KafkaTestClient.Reader<TaskEvent> events) {
        List<ConsumerRecord<String, TaskEvent>> seen = events.until(s -> true, WAIT);
        return ids.stream().filter(id -> terminal(seen, id) != null).count();
    }

    /** Exactly-once across the crash: every task's events are numbered 1, 2, 3… with no gap and no repeat. */
    private static void assertSequencesAreGapFreeAndUnique(List<ConsumerRecord<String, TaskEvent>> events) {
        Map<String, List<Integer>> sequences = new HashMap<>();
        events.forEach(r -> sequences.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value().getSequence()));
        sequences.forEach((id, seqs) -> assertThat(seqs).as("event sequences of %s", id)
                .isEqualTo(IntStream.rangeClosed(1, seqs.size()).boxed().toList()));
    }
}

package io.stackl.tasks.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.infra.SharedInfrastructure;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkKind;
import io.stackl.tasks.testkit.KafkaTestClient;
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
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packaged workers as separate processes, with the packaged broker and history service, driven through Kafka: more
 * workers share the work topic without doing a task twice, and a worker killed mid-task loses no task.
 */
class WorkerProcessesIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalInfrastructure infra;
    private static final List<ServiceProcess> processes = new ArrayList<>();
    private static ServiceProcess history;

    @BeforeAll
    static void start() {
        infra = SharedInfrastructure.get();
        history = service("history-service", Map.of());
        service("task-broker", Map.of("TASKS_BROKER_STATE_DIR",
                Path.of("target", "it-broker-state", UUID.randomUUID().toString()).toAbsolutePath().toString()));
    }

    @AfterAll
    static void stop() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
    }

    @Test
    void shouldSpreadTheWorkFromOneToThreeWorkersAndDoNoTaskTwice() throws Exception {
        ServiceProcess first = worker();
        List<String> ids = IntStream.range(0, 60).mapToObj(i -> "spread-" + UUID.randomUUID()).toList();

        ids.subList(0, 20).forEach(id -> submit(id, "sleep", "{\"ms\":300}"));
        ServiceProcess second = worker();
        ServiceProcess third = worker();
        ids.subList(20, 60).forEach(id -> submit(id, "sleep", "{\"ms\":300}"));
        awaitSucceeded(ids);

        List<TaskResult> results = read(Topics.TASK_RESULTS.name(), TaskResult.class,
                seen -> ids.stream().allMatch(id -> seen.stream().anyMatch(r -> r.getTaskId().equals(id))));
        Map<String, Long> perTask = results.stream().filter(r -> ids.contains(r.getTaskId()))
                .filter(r -> r.getKind() == WorkKind.EXECUTE)
                .collect(Collectors.groupingBy(TaskResult::getTaskId, Collectors.counting()));
        Set<String> workers = results.stream().filter(r -> ids.subList(20, 60).contains(r.getTaskId()))
                .map(TaskResult::getWorkerId).collect(Collectors.toSet());
        assertThat(perTask).hasSize(60).allSatisfy((id, n) -> assertThat(n).as("results of %s", id).isEqualTo(1L));
        assertThat(workers).as("workers that did the later tasks").hasSizeGreaterThanOrEqualTo(2);
        second.close();
        third.close();
        processes.remove(second);
        processes.remove(third);
        first.close();
        processes.remove(first);
    }

    @Test
    void shouldRedoTheTaskOfAWorkerKilledInTheMiddleOfIt() throws Exception {
        ServiceProcess a = worker();
        ServiceProcess b = worker();
        String id = "killed-" + UUID.randomUUID();

        submit(id, "sleep", "{\"ms\":5000}");
        ServiceProcess busy = awaitBusy(List.of(a, b));
        busy.kill();
        awaitSucceeded(List.of(id));

        List<TaskResult> results = read(Topics.TASK_RESULTS.name(), TaskResult.class,
                seen -> seen.stream().anyMatch(r -> r.getTaskId().equals(id)));
        assertThat(results).filteredOn(r -> r.getTaskId().equals(id)).singleElement()
                .satisfies(r -> assertThat(r.getWorkerId()).startsWith((busy == a ? b : a).pid() + "@"));
    }

    // ---------------------------------------------------------------- helpers

    private static ServiceProcess worker() {
        return service("worker-service", Map.of("HISTORY_URL", history.url(), "TASKS_WORKER_MAX_PARALLEL", "4"));
    }

    private static ServiceProcess service(String module, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(infra.serviceEnvironment());
        env.putAll(extra);
        ServiceProcess process = ServiceProcess.startOnFreePort(ROOT, module, env,
                Path.of("target", "it-logs").toAbsolutePath());
        processes.add(process);
        return process;
    }

    /** The worker whose metrics show a task in flight. */
    private static ServiceProcess awaitBusy(List<ServiceProcess> workers) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ServiceProcess worker : workers) {
                String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(worker.url() + "/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (metrics.lines().anyMatch(l -> l.startsWith("tasks_worker_in_flight ") && !l.endsWith(" 0.0"))) {
                    return worker;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no worker picked the task up within " + WAIT);
    }

    private static void submit(String id, String subtype, String arguments) {
        send(Topics.TASK_REQUESTS.name(), id, TaskRequest.newBuilder().setId(id).setTopic("noop").setSubtype(subtype)
                .setSource("worker-it").setArgumentsJson(arguments).setQueueTimeoutMs(60_000L)
                .setExecutionTimeoutMs(60_000L).setSubmittedAt(Instant.now()).build());
    }

    private static void awaitSucceeded(List<String> ids) {
        Set<String> pending = new HashSet<>(ids);
        read(Topics.TASK_EVENTS.name(), TaskEvent.class, seen -> {
            seen.stream().filter(e -> e.getState() == TaskState.SUCCEEDED).forEach(e -> pending.remove(e.getTaskId()));
            seen.stream().filter(e -> ids.contains(e.getTaskId()) && e.getState() == TaskState.TIMED_OUT)
                    .findAny().ifPresent(e -> {
                        throw new AssertionError("task " + e.getTaskId() + " timed out: " + e.getReason());
                    });
            return pending.isEmpty();
        });
    }

    private static <T extends SpecificRecord> void send(String topic, String key, T value) {
        try (var kafka = new KafkaTestClient(infra.kafka().bootstrapServers(), infra.registry().apicurioApiUrl())) {
            kafka.send(topic, key, value);
        }
    }

    private static <T extends SpecificRecord> List<T> read(String topic, Class<T> type, Predicate<List<T>> done) {
        try (var kafka = new KafkaTestClient(infra.kafka().bootstrapServers(), infra.registry().apicurioApiUrl())) {
            return kafka.read(topic, type, null, done, WAIT);
        }
    }
}

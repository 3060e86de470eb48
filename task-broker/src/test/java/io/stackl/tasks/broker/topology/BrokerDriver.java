package io.stackl.tasks.broker.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskCommandType;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The broker's topology in a {@link TopologyTestDriver}, with mocked wall-clock time and readable helpers. */
final class BrokerDriver implements AutoCloseable, AfterEachCallback {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final BrokerSettings settings;
    final TopologyTestDriver driver;
    final List<Long> latenesses = new ArrayList<>();
    /** Deadline scans run so far. */
    int deadlineScans;
    final List<String> deadLetteredTopics = new ArrayList<>();
    private final PlainAvroSerdes serdes = new PlainAvroSerdes();
    private final TestInputTopic<String, TaskRequest> requests;
    private final TestInputTopic<String, byte[]> rawRequests;
    private final TestInputTopic<String, byte[]> rawResults;
    private final TestInputTopic<String, TaskCommand> commands;
    private final TestInputTopic<String, TaskResult> results;
    private final TestInputTopic<String, RollbackReport> reports;
    private final TestOutputTopic<String, TaskEvent> events;
    private final TestOutputTopic<String, RollbackCommand> rollbacks;
    private final TestOutputTopic<String, byte[]> deadLetters;
    private final TestOutputTopic<String, String> lockRequests;
    private final TestOutputTopic<String, String> lockGrants;
    private final Map<String, TestOutputTopic<String, WorkItem>> work = new HashMap<>();
    /** Every event read so far, per task, to check the invariants across a whole test. */
    private final Map<String, List<TaskEvent>> history = new HashMap<>();
    private long elapsedMs;

    BrokerDriver(BrokerSettings settings) {
        this.settings = settings;
        TaskObserver observer = new TaskObserver() {
            @Override
            public void timeoutFired(long latenessMs) {
                latenesses.add(latenessMs);
            }

            @Override
            public void deadlineScan(int handled, long tookNanos) {
                deadlineScans++;
            }

            @Override
            public void deadLettered(String topic, Throwable error) {
                deadLetteredTopics.add(topic);
            }
        };
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "task-broker-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(TaskTopology.build(settings, serdes, observer, mockedClock()), props, T0);
        StringSerializer keys = new StringSerializer();
        requests = driver.createInputTopic(Topics.TASK_REQUESTS.name(), keys, serdes.serializer(TaskRequest.class));
        rawRequests = driver.createInputTopic(Topics.TASK_REQUESTS.name(), keys, new ByteArraySerializer());
        rawResults = driver.createInputTopic(Topics.TASK_RESULTS.name(), keys, new ByteArraySerializer());
        commands = driver.createInputTopic(Topics.TASK_COMMANDS.name(), keys, serdes.serializer(TaskCommand.class));
        results = driver.createInputTopic(Topics.TASK_RESULTS.name(), keys, serdes.serializer(TaskResult.class));
        reports = driver.createInputTopic(Topics.TASK_ROLLBACK_REPORTS.name(), keys,
                serdes.serializer(RollbackReport.class));
        StringDeserializer keysIn = new StringDeserializer();
        events = driver.createOutputTopic(Topics.TASK_EVENTS.name(), keysIn, serdes.deserializer(TaskEvent.class));
        rollbacks = driver.createOutputTopic(Topics.TASK_ROLLBACKS.name(), keysIn,
                serdes.deserializer(RollbackCommand.class));
        deadLetters = driver.createOutputTopic(Topics.TASK_DEAD_LETTERS, keysIn, new ByteArrayDeserializer());
        lockRequests = driver.createOutputTopic(TopologyNames.LOCK_REQUESTS_TOPIC, keysIn, keysIn);
        lockGrants = driver.createOutputTopic(TopologyNames.LOCK_GRANTS_TOPIC, keysIn, keysIn);
    }

    /**
     * Both of the processor's clocks from the mocked wall clock, which stands still while the driver processes: a scan
     * never runs out of its time budget, and a scan scheduled from "now" is due exactly when the test says.
     */
    private BrokerClock mockedClock() {
        return new BrokerClock() {
            @Override
            public long nanos() {
                return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(elapsedMs);
            }

            @Override
            public long wallMillis() {
                return now().toEpochMilli();
            }
        };
    }

    static BrokerDriver withDefaults() {
        return new BrokerDriver(BrokerSettings.defaults(Set.of("document", "noop")));
    }

    // ---------------------------------------------------------------- inputs

    static TaskRequest.Builder request(String id) {
        return TaskRequest.newBuilder()
                .setId(id)
                .setTopic("noop")
                .setSubtype("run")
                .setSource("test")
                .setArgumentsJson("{}")
                .setQueueTimeoutMs(5_000L)
                .setExecutionTimeoutMs(10_000L)
                .setSubmittedAt(T0);
    }

    void submit(TaskRequest request) {
        requests.pipeInput(request.getId(), request, now());
    }

    void submitKeyedBy(String key, TaskRequest request) {
        requests.pipeInput(key, request, now());
    }

    void submitRaw(String key, byte[] bytes) {
        rawRequests.pipeInput(key, bytes, now());
    }

    void resultRaw(String key, byte[] bytes) {
        rawResults.pipeInput(key, bytes, now());
    }

    void succeed(WorkItem item, String outputJson) {
        results.pipeInput(item.getTaskId(), result(item, true).setOutputJson(outputJson).build(), now());
    }

    void fail(WorkItem item, String code) {
        results.pipeInput(item.getTaskId(), result(item, false)
                .setFailure(TaskFailure.newBuilder().setCode(code).setMessage("it broke").setRetryable(false).build())
                .build(), now());
    }

    void sendResult(TaskResult result) {
        results.pipeInput(result.getTaskId(), result, now());
    }

    static TaskResult.Builder result(WorkItem item, boolean succeeded) {
        return TaskResult.newBuilder()
                .setTaskId(item.getTaskId())
                .setKind(WorkKind.EXECUTE)
                .setAttempt(item.getAttempt())
                .setFencingToken(item.getFencingToken())
                .setSucceeded(succeeded)
                .setWorkerId("worker-1")
                .setStartedAt(T0)
                .setFinishedAt(T0);
    }

    void cancel(String taskId) {
        commands.pipeInput(taskId, TaskCommand.newBuilder().setTaskId(taskId).setCommand(TaskCommandType.CANCEL)
                .setReason("no longer needed").setRequestedBy("operator").setRequestedAt(T0).build(), now());
    }

    /** A worker's failure, {@code retryable} as said, so that a retry policy may try the task again. */
    void fail(WorkItem item, String code, boolean retryable) {
        results.pipeInput(item.getTaskId(), result(item, false)
                .setFailure(TaskFailure.newBuilder().setCode(code).setMessage("it broke").setRetryable(retryable).build())
                .build(), now());
    }

    /** The history service's report on the rollback under {@code fencingToken} (ADR 0012). */
    void reportRollback(String taskId, boolean rolledBack, long fencingToken) {
        reports.pipeInput(taskId, RollbackReport.newBuilder().setTaskId(taskId).setRolledBack(rolledBack)
                .setFailure(rolledBack ? null : TaskFailure.newBuilder().setCode("UNDO_FAILED")
                        .setMessage("the undo endpoint answered 500").setRetryable(false).build())
                .setFinishedAt(T0).setFencingToken(fencingToken).build(), now());
    }

    void reportRollback(String taskId, boolean rolledBack) {
        reports.pipeInput(taskId, RollbackReport.newBuilder().setTaskId(taskId).setRolledBack(rolledBack)
                .setFailure(rolledBack ? null : TaskFailure.newBuilder().setCode("UNDO_FAILED")
                        .setMessage("the undo endpoint answered 500").setRetryable(false).build())
                .setFinishedAt(T0).build(), now());
    }

    /** Moves the mocked wall clock; punctuators scheduled on wall-clock time run as it passes their interval. */
    void advanceMs(long ms) {
        advance(Duration.ofMillis(ms));
    }

    void advance(Duration by) {
        elapsedMs += by.toMillis();
        driver.advanceWallClockTime(by);
    }

    Instant now() {
        return T0.plusMillis(elapsedMs);
    }

    // ---------------------------------------------------------------- outputs

    /** The events emitted since the last call, in order; also recorded for {@link #assertLifecycleInvariants}. */
    List<TaskEvent> events() {
        List<TaskEvent> read = new ArrayList<>();
        for (TestRecord<String, TaskEvent> record : events.readRecordsToList()) {
            assertThat(record.key()).as("events are keyed by task id").isEqualTo(record.value().getTaskId());
            read.add(record.value());
            history.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
        }
        return read;
    }

    /** The task's DISPATCHED events, among every event read so far (this reads the new ones). */
    List<TaskEvent> dispatched(String taskId) {
        events();
        return history.getOrDefault(taskId, List.of()).stream()
                .filter(e -> e.getState() == TaskState.DISPATCHED).toList();
    }

    List<TaskState> states(String taskId) {
        return events().stream().filter(e -> e.getTaskId().equals(taskId)).map(TaskEvent::getState).toList();
    }

    List<WorkItem> work(String taskTopic) {
        return work.computeIfAbsent(taskTopic, t -> driver.createOutputTopic(Topics.workTopic(t),
                new StringDeserializer(), serdes.deserializer(WorkItem.class))).readValuesToList();
    }

    List<RollbackCommand> rollbacks() {
        return rollbacks.readValuesToList();
    }

    /** The lock commands written to {@code task-lock-requests} since the last call, as JSON. */
    List<String> lockRequests() {
        return lockRequests.readValuesToList();
    }

    /** The grants and refusals written to {@code task-lock-grants} since the last call, as JSON. */
    List<String> lockGrants() {
        return lockGrants.readValuesToList();
    }

    List<TestRecord<String, byte[]>> deadLetters() {
        return deadLetters.readRecordsToList();
    }

    KeyValueStore<String, BrokerTask> tasksStore() {
        return driver.getKeyValueStore(TopologyNames.TASKS_STORE);
    }

    KeyValueStore<String, String> deadlinesStore() {
        return driver.getKeyValueStore(TopologyNames.DEADLINES_STORE);
    }

    /**
     * Over every event read in the test: sequences run 1, 2, 3… per task, and no task has more than one terminal
     * state, nor any event after it.
     */
    void assertLifecycleInvariants() {
        events();
        history.forEach((taskId, taskEvents) -> {
            for (int i = 0; i < taskEvents.size(); i++) {
                assertThat(taskEvents.get(i).getSequence()).as("sequence of event %d of %s", i, taskId).isEqualTo(i + 1);
            }
            long terminal = taskEvents.stream().filter(e -> TaskStates.isTerminal(e.getState())).count();
            assertThat(terminal).as("terminal events of %s", taskId).isLessThanOrEqualTo(1);
            if (terminal == 1) {
                assertThat(TaskStates.isTerminal(taskEvents.get(taskEvents.size() - 1).getState()))
                        .as("the terminal event of %s is its last", taskId).isTrue();
            }
        });
    }

    /**
     * Registered as a test's extension ({@code @RegisterExtension}): after each test, the lifecycle invariants are
     * checked over everything the test made the broker emit, and the driver is closed.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        try {
            assertLifecycleInvariants();
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        driver.close();
    }
}

package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.infra.ServiceProcess;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Faults under load. For each fault, in turn: clients submit tasks through the gateway, the fault is injected (a
 * process killed with SIGKILL and started again, or a burst of bad values in flight) {@code rounds} times, the clients stop, and once every task has ended
 * the {@link InvariantChecker} counts violations in the history database and on the events topic.
 *
 * <p>The short profile (CI) injects each fault once. The soak profile is the same test with more rounds and longer
 * load, set by system properties (see the README): {@code stackl.e2e.faults.rounds}, {@code
 * stackl.e2e.faults.load-seconds} (load between two faults) and {@code stackl.e2e.faults.clients}.
 */
@Tag("e2e")
class FaultsE2ETest {

    private static final int ROUNDS = Integer.getInteger("stackl.e2e.faults.rounds", 1);
    private static final int LOAD_SECONDS = Integer.getInteger("stackl.e2e.faults.load-seconds", 4);
    private static final int CLIENTS = Integer.getInteger("stackl.e2e.faults.clients", 1);
    private static final Duration RECOVERY_LIMIT = Duration.ofMinutes(3);
    private static final List<String> REPORT = new CopyOnWriteArrayList<>();
    private static final long BAD_VALUES_SEED = Long.getLong("stackl.e2e.bad-values.seed", System.nanoTime());

    /** What is killed. Kafka comes last: the others then start from a suite that has already survived them. */
    enum Fault {
        WORKER_MID_TASK("a worker, in the middle of a task"),
        TASK_BROKER("the task broker"),
        HISTORY_SERVICE("the history service"),
        API_GATEWAY("the API gateway"),
        BAD_VALUES("bad values in flight"),
        HISTORY_STALLED("history stalled past the rollback timeout"),
        WORKER_STALLED("a worker stalled past its deadlines"),
        DUPLICATE_DELIVERIES("work items and commands sent twice"),
        HISTORY_INPUT_REPLAYED("history's input replayed"),
        KAFKA_STALLED("the Kafka broker stalled"),
        KAFKA("the Kafka broker itself");

        final String description;

        Fault(String description) {
            this.description = description;
        }
    }

    private final Suite suite = Suite.get();
    /** When the current phase's load began: what the replay faults send again or rewind to. */
    private Instant phaseStartedAt;
    private final InvariantChecker checker = new InvariantChecker(suite);

    /** The faults of this run: all of them, or those named in {@code stackl.e2e.faults.only} (comma-separated). */
    static java.util.stream.Stream<Fault> faults() {
        List<String> only = List.of(System.getProperty("stackl.e2e.faults.only", "").split(",")).stream()
                .filter(name -> !name.isBlank()).toList();
        return java.util.Arrays.stream(Fault.values()).filter(f -> only.isEmpty() || only.contains(f.name()));
    }

    @ParameterizedTest
    @MethodSource("faults")
    void shouldKeepEveryInvariantWhenKilledWhileTasksFlow(Fault fault) throws Exception {
        awaitWorking();
        String prefix = "faults/" + fault.name().toLowerCase() + "-" + UUID.randomUUID().toString().substring(0, 8) + "/";
        List<Long> recoveryMs = new ArrayList<>();
        List<String> midTask = new ArrayList<>();
        phaseStartedAt = Instant.now();
        long started = System.nanoTime();
        Load load = new Load(suite, prefix, CLIENTS);
        try {
            Thread.sleep(LOAD_SECONDS * 1_000L);
            for (int round = 0; round < ROUNDS; round++) {
                long killedAt = inject(fault, load, round, midTask);
                awaitWorking();
                recoveryMs.add((System.nanoTime() - killedAt) / 1_000_000);
                Thread.sleep(LOAD_SECONDS * 1_000L);
            }
        } finally {
            load.close();
        }
        long loadMs = (System.nanoTime() - started) / 1_000_000;

        checker.awaitAllEnded(load.accepted(), Duration.ofMinutes(5));
        long drainedMs = (System.nanoTime() - started) / 1_000_000 - loadMs;
        List<String> keys = new ArrayList<>(load.keys());
        midTask.forEach(keys::add);
        Map<String, Long> violations = checker.check(load.accepted(), prefix, load.counters(), keys);
        long total = violations.values().stream().mapToLong(Long::longValue).sum();
        String line = String.format("%-34s tasks %5d (submissions %d, resent %d), faults %d, violations %d,"
                        + " recovery ms %s, load %d s, all ended %d s after; %s%s", fault.description,
                load.accepted().size(), load.submissions(), load.resent(), recoveryMs.size(), total, recoveryMs,
                loadMs / 1000, drainedMs / 1000, checker.outcomes(load.accepted()), total == 0 ? "" : " " + violations);
        REPORT.add(line);
        System.out.println("faults e2e: " + line);

        assertThat(load.unexpected()).as("answers other than 200/202/303/503").isEmpty();
        assertThat(load.unanswered()).as("submissions never answered within 3 minutes").isZero();
        assertThat(load.accepted()).hasSizeGreaterThan(10);
        assertThat(violations).allSatisfy((invariant, count) -> assertThat(count).as(invariant).isZero());
    }

    @AfterAll
    static void printReport() {
        System.out.printf("faults e2e, %d round(s) of each fault, %d s of load around each:%n  %s%n", ROUNDS,
                LOAD_SECONDS, String.join("\n  ", REPORT));
    }

    /** Injects the fault once and returns when (System.nanoTime()) the process died. */
    private long inject(Fault fault, Load load, int round, List<String> midTask) {
        switch (fault) {
            case WORKER_MID_TASK -> {
                // A task that writes and then waits: the kill lands after its write and before its result.
                String key = load.prefix() + "mid-task-" + round;
                Suite.Reply reply = suite.post("/tasks?wait=0", Map.of("topic", "document", "subtype", "batch",
                        "arguments", Map.of("operations", List.of(Map.of("op", "put", "key", key, "value",
                                Map.of("by", "interrupted")), Map.of("op", "wait", "ms", 5_000))),
                        "changedDocumentKeys", List.of(key), "timeoutMs", 60_000));
                load.accepted().add(reply.body().path("taskId").asText());
                midTask.add(key);
                Awaitility.await().atMost(RECOVERY_LIMIT).pollInterval(Duration.ofMillis(50))
                        .until(() -> suite.get("/documents/" + key).status() == 200);
                return crash(suite.worker);
            }
            case TASK_BROKER -> {
                return crash(suite.broker);
            }
            case HISTORY_SERVICE -> {
                return crash(suite.history);
            }
            case API_GATEWAY -> {
                return crash(suite.gateway);
            }
            case BAD_VALUES -> {
                long sentAt = System.nanoTime();
                injectBadValues(load, round);
                return sentAt;
            }
            case HISTORY_STALLED -> {
                // Rollbacks fall due while it stands still: the broker must keep their locks and ask again.
                long stalledAt = System.nanoTime();
                Suite.stall(suite.history.pid(), Suite.ROLLBACK_TIMEOUT.plusSeconds(4));
                return stalledAt;
            }
            case WORKER_STALLED -> {
                // Its running tasks time out (10 s) and roll back; when it goes on, their handlers' writes must fail.
                long stalledAt = System.nanoTime();
                Suite.stall(suite.worker.pid(), Duration.ofSeconds(12));
                return stalledAt;
            }
            case KAFKA_STALLED -> {
                long stalledAt = System.nanoTime();
                Suite.stall(suite.infra.kafka().pid(), Duration.ofSeconds(8));
                return stalledAt;
            }
            case DUPLICATE_DELIVERIES -> {
                long sentAt = System.nanoTime();
                Replays.sendAgain(suite, List.of(Topics.workTopic("document"), Topics.workTopic("http"),
                        Topics.TASK_ROLLBACKS.name(), Topics.TASK_COMMANDS.name()), phaseStartedAt);
                return sentAt;
            }
            case HISTORY_INPUT_REPLAYED -> {
                long killedAt = System.nanoTime();
                suite.history.kill();
                Replays.rewindGroups(suite, List.of("history-service", "history-service-rollbacks"), phaseStartedAt);
                suite.restart(suite.history);
                return killedAt;
            }
            case KAFKA -> {
                long killedAt = System.nanoTime();
                suite.infra.kafka().kill();
                suite.infra.kafka().startAfterCrash();
                return killedAt;
            }
            default -> throw new IllegalArgumentException(fault.name());
        }
    }

    /**
     * Values at the edges of what PostgreSQL can store ({@link BadValues}), through both doors, while the load runs;
     * and, past the doors, a task's events and result holding NUL, as a component that checks nothing would write
     * them (the history service must set them aside, not stall). Admitted tasks join the load's, so the checker holds
     * the suite to them too; refusals must be 400s.
     */
    private void injectBadValues(Load load, int round) {
        BadValues values = new BadValues(BAD_VALUES_SEED + round, load.prefix() + "bad-values/");
        try (KafkaDoor kafka = new KafkaDoor(suite)) {
            for (int i = 0; i < 24; i++) {
                BadValues.Case c = values.next();
                if (i % 2 == 1) {
                    load.accepted().add(kafka.request(c.body(), c.idempotencyKey()));
                    continue;
                }
                Suite.Reply reply = suite.postJson("/tasks?wait=0", KafkaDoor.ESCAPING.writeValueAsString(c.body()),
                        c.idempotencyKey() == null ? Map.of() : Map.of("Idempotency-Key", c.idempotencyKey()));
                if (reply.status() == 200 || reply.status() == 202) {
                    load.accepted().add(reply.body().path("taskId").asText());
                } else if (reply.status() != 400) {
                    load.unexpected().add("bad value " + c.what() + ": " + reply.status() + " " + reply.body());
                }
            }
            String ghost = "unchecked-producer-" + UUID.randomUUID();
            Instant now = Instant.now();
            TaskEvent.Builder event = TaskEvent.newBuilder().setTaskId(ghost).setTopic("document").setSubtype("put")
                    .setSource("no\u0000checks").setOccurredAt(now).setAttempt(1).setFencingToken(1)
                    .setChangedDocumentKeys(List.of("a\u0000b"));
            kafka.send(Topics.TASK_EVENTS.name(), ghost, event.setSequence(1).setState(TaskState.SUBMITTED).build());
            kafka.send(Topics.TASK_EVENTS.name(), ghost, event.setSequence(2).setState(TaskState.DISPATCHED).build());
            kafka.send(Topics.TASK_RESULTS.name(), ghost, TaskResult.newBuilder().setTaskId(ghost)
                    .setKind(WorkKind.EXECUTE).setAttempt(1).setFencingToken(1).setSucceeded(false)
                    .setFailure(TaskFailure.newBuilder().setCode("X").setMessage("upstream said \u0000")
                            .setRetryable(false).build())
                    .setWorkerId("w\u0000").setStartedAt(now).setFinishedAt(now).build());
            kafka.send(Topics.TASK_EVENTS.name(), ghost, event.setSequence(3).setState(TaskState.SUCCEEDED)
                    .setOutputJson("{\"raw\":\"\u0000\"}").build());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private long crash(ServiceProcess service) {
        long killedAt = System.nanoTime();
        suite.crashAndRestart(service);
        return killedAt;
    }

    /** Recovered: a task makes the whole trip through the gateway again. */
    private void awaitWorking() {
        Awaitility.await().atMost(RECOVERY_LIMIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> suite.post("/tasks?wait=10", Map.of("topic", "noop", "subtype", "run")).status() == 200);
    }
}

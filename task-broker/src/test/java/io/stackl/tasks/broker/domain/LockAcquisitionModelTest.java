package io.stackl.tasks.broker.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskCommandType;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lock protocol under every message order Kafka allows, explored at random: {@link TaskLifecycle} on the task
 * side, {@link LockQueue} on the lock side, and between them one FIFO channel per (task, key) and per (key, task),
 * which allows more interleavings than Kafka does (there, a whole partition is one channel). Tasks are admitted, and
 * finish, at random; a few are cancelled or reach their queue timeout while they wait.
 *
 * <p>Checked after every step: no two dispatched tasks share a key, and the lock side agrees that a dispatched task
 * holds each of its keys, with the epochs of its grants. Checked at the end, when nothing can happen any more: every task ended (no deadlock, no
 * task left waiting) and every lock is free (nothing leaked).
 *
 * <p>With local locks (ADR 0017), tasks and keys are placed on two partitions at random. A lock command from a task to
 * a key on its own partition is carried out at once, and a grant to a task on the key's partition is fed to it right
 * after the step that made it, in order, as the task processor does; everything else still travels a channel.
 */
class LockAcquisitionModelTest {

    private static final long NOW = 1_000_000L;

    @ParameterizedTest(name = "try locks at once: {0}, local locks: {1}")
    @CsvSource({"true,false", "false,false", "true,true", "false,true"})
    void shouldNeverDeadlockLeakOrShareAKeyUnderAnyMessageOrder(boolean tryAtOnce, boolean localLocks) {
        long local = 0;
        for (long seed = 0; seed < 400; seed++) {
            local += new Model(seed, tryAtOnce, localLocks).run();
        }
        // The local path was taken (or, without local locks, never).
        assertThat(local > 0).isEqualTo(localLocks);
    }

    private static final class Model {
        private final Random random;
        private final long seed;
        private final TaskLifecycle lifecycle;
        private final Map<String, BrokerTask> tasks = new HashMap<>();
        private final Map<String, LockQueue> locks = new HashMap<>();
        private final Map<String, Long> epochs = new HashMap<>();
        /** Messages in flight, one FIFO per (sender, receiver): lock commands to keys and answers to tasks. */
        private final Map<String, ArrayDeque<Object>> channels = new LinkedHashMap<>();
        private final List<TaskSpec> toAdmit = new ArrayList<>();
        private final Map<String, WorkItem> running = new LinkedHashMap<>();
        private int steps;
        private int interventionsLeft = 3;
        /** With local locks: the partition of each task and key (0 or 1); empty otherwise, so nothing is local. */
        private final Map<String, Integer> partitions = new HashMap<>();
        /** Grants to tasks on the key's own partition, fed to them after the step that made them. */
        private final ArrayDeque<LockGrant> localGrants = new ArrayDeque<>();
        private int localDeliveries;

        Model(long seed, boolean tryAtOnce, boolean localLocks) {
            this.seed = seed;
            this.random = new Random(seed);
            this.lifecycle = new TaskLifecycle(BrokerSettings.defaults(Set.of("noop")).withTryLocksAtOnce(tryAtOnce));
            int keyCount = 2 + random.nextInt(6);
            int taskCount = 5 + random.nextInt(25);
            for (int k = 0; localLocks && k < keyCount; k++) {
                partitions.put("k" + k, random.nextInt(2));
            }
            for (int t = 0; t < taskCount; t++) {
                Set<String> keys = new TreeSet<>();
                int declared = 1 + random.nextInt(Math.min(4, keyCount));
                while (keys.size() < declared) {
                    keys.add("k" + random.nextInt(keyCount));
                }
                if (localLocks) {
                    partitions.put("t" + t, random.nextInt(2));
                }
                toAdmit.add(new TaskSpec("t" + t, "noop", "run", "test", "{}", List.of(), List.copyOf(keys),
                        600_000L, 600_000L, null, NOW, Map.of()));
            }
        }

        /** Runs to the end and checks it; returns how many messages took the local path. */
        int run() {
            while (step()) {
                steps++;
                checkExclusion();
            }
            tasks.forEach((id, task) -> assertThat(task.isTerminal())
                    .as("seed %d: task %s ended (state %s, held %d of %s)", seed, id, task.state(), task.locksHeld(),
                            task.lockKeys())
                    .isTrue());
            assertThat(toAdmit).as("seed %d: every task admitted", seed).isEmpty();
            locks.forEach((key, queue) -> assertThat(queue.isFree())
                    .as("seed %d: lock %s is free at the end, was %s", seed, key, queue).isTrue());
            return localDeliveries;
        }

        /** One random thing that can happen now; false when nothing can. */
        private boolean step() {
            List<Runnable> possible = new ArrayList<>();
            if (!toAdmit.isEmpty()) {
                possible.add(() -> {
                    TaskSpec spec = toAdmit.remove(random.nextInt(toAdmit.size()));
                    apply(spec.id(), lifecycle.admit(null, Admission.fresh(spec), NOW));
                });
            }
            channels.forEach((name, queue) -> {
                if (!queue.isEmpty()) {
                    possible.add(() -> deliver(queue.poll()));
                }
            });
            if (!running.isEmpty()) {
                possible.add(() -> {
                    WorkItem item = new ArrayList<>(running.values()).get(random.nextInt(running.size()));
                    running.remove(item.getTaskId());
                    apply(item.getTaskId(), lifecycle.result(tasks.get(item.getTaskId()), result(item), NOW));
                });
            }
            List<BrokerTask> waiting = tasks.values().stream()
                    .filter(t -> t.state() == TaskState.WAITING_FOR_LOCKS).toList();
            // A few cancels and queue timeouts per run, no more: an unbounded supply could end a deadlock and hide it.
            if (!waiting.isEmpty() && interventionsLeft > 0 && random.nextInt(8) == 0) {
                possible.add(() -> {
                    interventionsLeft--;
                    BrokerTask task = waiting.get(random.nextInt(waiting.size()));
                    apply(task.id(), random.nextBoolean() ? lifecycle.command(task, cancel(task.id()), NOW)
                            : lifecycle.deadlineReached(task, task.deadline()));
                });
            }
            if (possible.isEmpty()) {
                return false;
            }
            possible.get(random.nextInt(possible.size())).run();
            LockGrant grant;
            while ((grant = localGrants.poll()) != null) {
                deliver(grant);
            }
            return true;
        }

        private void deliver(Object message) {
            if (message instanceof LockCommand command) {
                LockQueue.Step step = locks.getOrDefault(command.key(), LockQueue.FREE).apply(command);
                locks.put(command.key(), step.queue());
                long epoch = step.grantedTo() == null ? 0 : epochs.merge(command.key(), 1L, Long::sum);
                LockGrant answer = step.answer(command, epoch);
                if (answer != null) {
                    send(command.key(), answer.taskId(), answer);
                }
            } else {
                LockGrant grant = (LockGrant) message;
                apply(grant.taskId(), lifecycle.lockGranted(tasks.get(grant.taskId()), grant, NOW));
            }
        }

        private void apply(String taskId, Outcome outcome) {
            if (outcome.task() != null) {
                tasks.put(taskId, outcome.task());
            }
            for (LockCommand command : outcome.lockCommands()) {
                send(taskId, command.key(), command);
            }
            for (WorkItem item : outcome.work()) {
                assertThat(running.put(taskId, item)).as("seed %d: %s dispatched once", seed, taskId).isNull();
                BrokerTask task = outcome.task();
                // The epochs it is dispatched with are those of the grants that the lock side holds for it now.
                assertThat(task.lockEpochs()).as("seed %d: epochs of %s", seed, taskId)
                        .containsExactlyElementsOf(task.lockKeys().stream().map(epochs::get).toList());
            }
            for (var rollback : outcome.rollbacks()) {
                // Not expected here: tasks succeed, and only waiting tasks are cancelled.
                throw new AssertionError("seed " + seed + ": unexpected rollback of " + rollback.getTaskId());
            }
        }

        private void send(String from, String to, Object message) {
            Integer fromPartition = partitions.get(from);
            if (fromPartition != null && fromPartition.equals(partitions.get(to))) {
                localDeliveries++;
                if (message instanceof LockGrant grant) {
                    localGrants.add(grant);
                } else {
                    deliver(message);
                }
                return;
            }
            channels.computeIfAbsent(from + "->" + to, c -> new ArrayDeque<>()).add(message);
        }

        private void checkExclusion() {
            Set<String> taken = new HashSet<>();
            for (String taskId : running.keySet()) {
                for (String key : tasks.get(taskId).lockKeys()) {
                    assertThat(taken.add(key)).as("seed %d step %d: %s shared by two running tasks", seed, steps, key)
                            .isTrue();
                    assertThat(locks.get(key).holder()).as("seed %d step %d: holder of %s", seed, steps, key)
                            .isEqualTo(taskId);
                }
            }
        }

        private static TaskResult result(WorkItem item) {
            return TaskResult.newBuilder().setTaskId(item.getTaskId()).setKind(WorkKind.EXECUTE)
                    .setAttempt(item.getAttempt()).setFencingToken(item.getFencingToken()).setSucceeded(true)
                    .setOutputJson("{}").setWorkerId("w").setStartedAt(Instant.ofEpochMilli(NOW))
                    .setFinishedAt(Instant.ofEpochMilli(NOW)).build();
        }

        private static TaskCommand cancel(String taskId) {
            return TaskCommand.newBuilder().setTaskId(taskId).setCommand(TaskCommandType.CANCEL).setReason("model")
                    .setRequestedBy("model").setRequestedAt(Instant.ofEpochMilli(NOW)).build();
        }
    }
}

package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.BrokerDriver.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.schema.TaskPartitions;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.WorkItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Local locks (ADR 0017): a task whose id and keys are on the same partition takes and hands over its locks inside
 * the task processor's own step, without the lock topics. The driver is partition 0 of topics with {@code PARTITIONS}
 * partitions, so ids and keys are chosen local (on 0) or remote (elsewhere; the driver feeds the lock topics back to
 * the same stores, as another stream task's records would reach this one).
 */
class LocalLocksTopologyTest {

    private static final int PARTITIONS = 6;

    private final BrokerDriver broker =
            new BrokerDriver(BrokerSettings.defaults(Set.of("document", "noop")).withLocalLocks(true, PARTITIONS));

    @org.junit.jupiter.api.AfterEach
    void close() {
        broker.assertLifecycleInvariants();
        broker.close();
    }

    @Test
    void shouldDispatchALocalOneKeyTaskInTheStepThatAdmitsItWithoutTheLockTopics() {
        String key = local("doc/");
        String id = TaskPartitions.alignedWith("t1", List.of(key), PARTITIONS);

        broker.submit(request(id).setChangedDocumentKeys(List.of(key)).build());

        assertThat(single(broker.work("noop")).getTaskId()).isEqualTo(id);
        assertThat(broker.states(id)).containsExactly(TaskState.SUBMITTED, TaskState.WAITING_FOR_LOCKS,
                TaskState.DISPATCHED);
        assertThat(broker.lockRequests()).isEmpty();
        assertThat(broker.lockGrants()).isEmpty();
    }

    @Test
    void shouldHandAHotKeyToTheNextTaskInTheStepThatEndsTheHolderFirstComeFirstServed() {
        String key = local("hot/");
        List<String> ids = IntStream.range(0, 5)
                .mapToObj(i -> TaskPartitions.alignedWith("inc-" + i, List.of(key), PARTITIONS)).toList();
        for (String id : ids) {
            broker.submit(request(id).setChangedDocumentKeys(List.of(key)).build());
        }
        List<String> ran = new ArrayList<>();
        List<Long> epochs = new ArrayList<>();
        WorkItem running = single(broker.work("noop"));
        for (int i = 0; i < ids.size(); i++) {
            ran.add(running.getTaskId());
            epochs.add(single(broker.dispatched(running.getTaskId())).getLockEpochs().get(0));
            broker.advanceMs(5);
            broker.succeed(running, "{}");
            List<WorkItem> next = broker.work("noop");
            if (i < ids.size() - 1) {
                running = single(next);
            } else {
                assertThat(next).isEmpty();
            }
        }

        assertThat(ran).containsExactlyElementsOf(ids);
        // Nothing went through the lock topics: each hand-off happened inside the step that read the holder's result.
        assertThat(epochs).isSorted().doesNotHaveDuplicates().allSatisfy(e -> assertThat(e).isPositive());
        assertThat(broker.lockRequests()).isEmpty();
        assertThat(broker.lockGrants()).isEmpty();
        assertThat(broker.driver.<String, Object>getKeyValueStore(TopologyNames.LOCKS_STORE).get(key))
                .as("the key is free once the last holder ended").isNull();
    }

    @Test
    void shouldKeepOneFifoQueuePerKeyWhenLocalAndRemoteTasksShareIt() {
        String key = local("shared/");
        String remote1 = remoteId("remote-1");
        String local1 = TaskPartitions.alignedWith("local-1", List.of(key), PARTITIONS);
        String remote2 = remoteId("remote-2");
        String local2 = TaskPartitions.alignedWith("local-2", List.of(key), PARTITIONS);
        List<String> order = List.of(remote1, local1, remote2, local2);
        for (String id : order) {
            broker.submit(request(id).setChangedDocumentKeys(List.of(key)).build());
        }

        List<String> ran = new ArrayList<>();
        List<Long> epochs = new ArrayList<>();
        WorkItem running = single(broker.work("noop"));
        while (running != null) {
            ran.add(running.getTaskId());
            epochs.add(single(broker.dispatched(running.getTaskId())).getLockEpochs().get(0));
            broker.succeed(running, "{}");
            List<WorkItem> next = broker.work("noop");
            running = next.isEmpty() ? null : single(next);
        }

        assertThat(ran).containsExactlyElementsOf(order);
        assertThat(epochs).isSorted().doesNotHaveDuplicates();
        // Only the remote tasks' commands and grants went through the topics: ACQUIRE and RELEASE of each, one grant.
        assertThat(broker.lockRequests()).hasSize(4).allSatisfy(json -> assertThat(json).contains("remote-"));
        assertThat(broker.lockGrants()).hasSize(2).allSatisfy(json -> assertThat(json).contains("remote-"));
    }

    @Test
    void shouldTakeLocalKeysHereAndRemoteOnesThroughTheTopicsForOneTask() {
        String localKey = local("mixed/a/");
        String remoteKey = remote("mixed/b/");
        String id = TaskPartitions.alignedWith("both", List.of(localKey), PARTITIONS);

        broker.submit(request(id).setChangedDocumentKeys(List.of(localKey, remoteKey)).build());

        WorkItem item = single(broker.work("noop"));
        assertThat(item.getChangedDocumentKeys()).containsExactlyInAnyOrder(localKey, remoteKey);
        assertThat(single(broker.dispatched(id)).getLockEpochs()).hasSize(2).allSatisfy(e -> assertThat(e).isPositive());
        assertThat(broker.lockRequests()).hasSize(1).allSatisfy(json -> assertThat(json).contains(remoteKey));
        broker.succeed(item, "{}");
        assertThat(broker.lockRequests()).hasSize(1).allSatisfy(json -> assertThat(json).contains("RELEASE"));
        try (var held = broker.driver.<String, Object>getKeyValueStore(TopologyNames.LOCKS_STORE).all()) {
            assertThat(held.hasNext()).as("every key free").isFalse();
        }
    }

    @Test
    void shouldReleaseTheLocalKeyOfATaskThatTimesOutWhileWaitingAndHandItOn() {
        String key = local("timeout/");
        String holder = TaskPartitions.alignedWith("holder", List.of(key), PARTITIONS);
        String gaveUp = TaskPartitions.alignedWith("gave-up", List.of(key), PARTITIONS);
        String next = TaskPartitions.alignedWith("next", List.of(key), PARTITIONS);
        broker.submit(request(holder).setChangedDocumentKeys(List.of(key)).build());
        broker.submit(request(gaveUp).setChangedDocumentKeys(List.of(key)).setQueueTimeoutMs(1_000L).build());
        broker.submit(request(next).setChangedDocumentKeys(List.of(key)).build());
        WorkItem held = single(broker.work("noop"));

        broker.advanceMs(1_100);
        assertThat(broker.states(gaveUp)).contains(TaskState.TIMED_OUT, TaskState.ROLLED_BACK);
        broker.succeed(held, "{}");

        assertThat(single(broker.work("noop")).getTaskId()).isEqualTo(next);
        assertThat(broker.lockRequests()).isEmpty();
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    /** A key on the driver's partition (0). */
    private static String local(String prefix) {
        return IntStream.iterate(0, i -> i + 1).mapToObj(i -> prefix + i)
                .filter(k -> TaskPartitions.partitionOf(k, PARTITIONS) == 0).findFirst().orElseThrow();
    }

    private static String remote(String prefix) {
        return IntStream.iterate(0, i -> i + 1).mapToObj(i -> prefix + i)
                .filter(k -> TaskPartitions.partitionOf(k, PARTITIONS) != 0).findFirst().orElseThrow();
    }

    private static String remoteId(String base) {
        return remote(base + "-");
    }
}

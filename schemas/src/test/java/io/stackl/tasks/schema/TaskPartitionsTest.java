package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

/** Task ids that land with their document keys: the same partition Kafka's own producer would choose. */
class TaskPartitionsTest {

    @Test
    void shouldChooseThePartitionKafkasProducerChoosesForAStringKey() {
        for (int i = 0; i < 1_000; i++) {
            String key = "stacks/" + UUID.randomUUID() + "/é" + i;
            for (int partitions : new int[] {1, 3, 6, 48}) {
                assertThat(TaskPartitions.partitionOf(key, partitions)).isEqualTo(
                        BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions));
            }
        }
    }

    @Test
    void shouldAlignAnIdWithItsKeysPartitionByTheSmallestSuffix() {
        for (int i = 0; i < 200; i++) {
            String base = UUID.randomUUID().toString();
            String key = "counters/" + i;
            String aligned = TaskPartitions.alignedWith(base, List.of(key), 6);
            assertThat(TaskPartitions.partitionOf(aligned, 6)).isEqualTo(TaskPartitions.partitionOf(key, 6));
            assertThat(aligned).startsWith(base);
            if (!aligned.equals(base)) {
                int n = Integer.parseInt(aligned.substring(base.length() + 1));
                for (int smaller = 0; smaller < n; smaller++) {
                    assertThat(TaskPartitions.partitionOf(base + "~" + smaller, 6))
                            .isNotEqualTo(TaskPartitions.partitionOf(key, 6));
                }
            }
            assertThat(TaskPartitions.alignedWith(base, List.of(key), 6)).isEqualTo(aligned);
        }
    }

    @Test
    void shouldKeepTheIdWhenNoKeyOrKeysOnSeveralPartitionsOrOnePartition() {
        String a = keyOn(0, 6);
        String b = keyOn(1, 6);
        assertThat(TaskPartitions.alignedWith("t-1", List.of(), 6)).isEqualTo("t-1");
        assertThat(TaskPartitions.alignedWith("t-1", List.of(a, b), 6)).isEqualTo("t-1");
        assertThat(TaskPartitions.alignedWith("t-1", List.of(a), 1)).isEqualTo("t-1");
        String both = TaskPartitions.alignedWith("t-1", List.of(a, keyOn(0, 6, a)), 6);
        assertThat(TaskPartitions.partitionOf(both, 6)).isZero();
    }

    @Test
    void shouldNotLengthenAnIdPastTheLimitOnTaskIds() {
        String longest = "x".repeat(ContentRules.MAX_NAME_CHARS);
        assertThat(TaskPartitions.alignedWith(longest, List.of("k"), 6)).isEqualTo(longest);
    }

    private static String keyOn(int partition, int partitions) {
        return keyOn(partition, partitions, null);
    }

    private static String keyOn(int partition, int partitions, String other) {
        for (int i = 0; ; i++) {
            String key = "keys/" + i;
            if (!key.equals(other) && TaskPartitions.partitionOf(key, partitions) == partition) {
                return key;
            }
        }
    }
}

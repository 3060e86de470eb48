package io.stackl.tasks.schema;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import org.apache.kafka.common.utils.Utils;

/**
 * Where Kafka puts a key: the partition its default partitioner chooses for a UTF-8 string key, and task ids chosen
 * to land where their document keys do.
 *
 * <p>A task whose id lands on the partition of the document keys it changes has its task record and those keys' locks
 * in the same stream task of the broker, which then takes and hands over those locks inside one transaction, with no
 * round trip through the lock topics (ADR 0017). Any id works; an aligned id is only faster.
 */
public final class TaskPartitions {

    private TaskPartitions() {}

    /** The partition out of {@code partitions} that Kafka's default partitioner gives {@code key} (murmur2). */
    public static int partitionOf(String key, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * {@code baseId} itself if it already lands with {@code keys}, else {@code baseId} followed by {@code ~} and the
     * smallest number that makes it land there. Unchanged when there are no keys, or when the keys are spread over
     * several partitions (no id can be with all of them), or when a suffix would make the id too long. Deterministic,
     * so the same base and keys give the same id.
     */
    public static String alignedWith(String baseId, Collection<String> keys, int partitions) {
        int tries = partitions * 64;
        // Room for the longest suffix tried: '~' and the digits of the last number.
        int suffixRoom = 1 + String.valueOf(tries).length();
        if (keys == null || keys.isEmpty() || partitions <= 1
                || baseId.length() + suffixRoom > ContentRules.MAX_NAME_CHARS) {
            return baseId;
        }
        int target = -1;
        for (String key : keys) {
            int partition = partitionOf(key, partitions);
            if (target >= 0 && partition != target) {
                return baseId;
            }
            target = partition;
        }
        if (partitionOf(baseId, partitions) == target) {
            return baseId;
        }
        // Each suffix lands on a given partition with probability 1/partitions: a few tries on average. The bound only
        // guards against a hash that never gets there, which murmur2 does not do.
        for (int n = 0; n < tries; n++) {
            String candidate = baseId + "~" + n;
            if (partitionOf(candidate, partitions) == target) {
                return candidate;
            }
        }
        return baseId;
    }
}

package io.stackl.tasks.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deadlines come out of the index in time order, exactly those due, and none is lost to a late scan. */
class DeadlineIndexTest {

    private DeadlineIndex index;

    @BeforeEach
    void openStore() {
        KeyValueStore<String, String> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("deadlines"),
                Serdes.String(), Serdes.String()).withLoggingDisabled().build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
        index = new DeadlineIndex(store);
    }

    @Test
    void shouldReturnOnlyWhatIsDueOldestFirst() {
        index.put(2_000, "b");
        index.put(1_000, "a");
        index.put(3_000, "c");

        assertThat(index.due(2_000, 10)).containsExactly(new DeadlineIndex.Entry(1_000, "a"),
                new DeadlineIndex.Entry(2_000, "b"));
    }

    @Test
    void shouldOrderDeadlinesOfDifferentLengthsByTimeNotByText() {
        // As text "999" > "1000"; zero-padding makes them compare as numbers.
        index.put(1_000, "later");
        index.put(999, "earlier");

        assertThat(index.due(5_000, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("earlier", "later");
    }

    @Test
    void shouldStopAtTheLimitAndGiveTheRestOnTheNextScan() {
        for (int i = 0; i < 5; i++) {
            index.put(100 + i, "t" + i);
        }

        List<DeadlineIndex.Entry> first = index.due(1_000, 2);
        assertThat(first).extracting(DeadlineIndex.Entry::id).containsExactly("t0", "t1");
        first.forEach(e -> index.remove(e.deadline(), e.id()));

        assertThat(index.due(1_000, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("t2", "t3", "t4");
    }

    @Test
    void shouldKeepADeadlineThatAScanMissedUntilTheNextOne() {
        index.put(1_000, "a");

        assertThat(index.due(999, 10)).isEmpty();
        assertThat(index.due(60_000, 10)).containsExactly(new DeadlineIndex.Entry(1_000, "a"));
    }

    @Test
    void shouldForgetARemovedDeadlineAndKeepTwoTasksWithTheSameOne() {
        index.put(1_000, "a");
        index.put(1_000, "b");
        index.remove(1_000, "a");

        assertThat(index.due(1_000, 10)).containsExactly(new DeadlineIndex.Entry(1_000, "b"));
    }

    @Test
    void shouldWriteTheSameKeysAsEarlierVersionsSoThatAnUpgradeFindsTheirEntries() {
        // Stores written before the formatter was dropped hold String.format("%013d:%s") keys; remove() must hit them.
        for (long deadline : new long[] {0, 7, 999, 1_000, 1_764_540_000_123L, 9_999_999_999_999L}) {
            assertThat(DeadlineIndex.key(deadline, "t")).isEqualTo(String.format("%013d:%s", deadline, "t"));
        }
    }
}

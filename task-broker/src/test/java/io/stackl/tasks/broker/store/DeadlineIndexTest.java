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

    /** Scans start where the last one left off (past the tombstones), yet nothing put since is ever skipped. */
    @Test
    void shouldFindEveryDeadlinePutAfterAScanMovedOnEvenOneInThePast() {
        index.put(1_000, "a");
        assertThat(index.due(5_000, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("a");
        index.remove(1_000, "a");
        assertThat(index.due(6_000, 10)).isEmpty();
        index.put(6_001, "just-after-that-scan");
        assertThat(index.due(6_001, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("just-after-that-scan");
        index.remove(6_001, "just-after-that-scan");

        index.put(7_000, "later");
        index.put(2_000, "put-in-the-past");
        assertThat(index.due(6_500, 10)).as("a wall clock that went back: due at once")
                .extracting(DeadlineIndex.Entry::id).containsExactly("put-in-the-past");
        index.remove(2_000, "put-in-the-past");

        assertThat(index.due(3_000, 10)).as("a scan whose now went back").isEmpty();
        assertThat(index.due(7_000, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("later");
    }

    @Test
    void shouldFindAgainWhatAScanReturnedButNobodyHandled() {
        index.put(1_000, "a");
        index.put(2_000, "b");
        index.put(3_000, "c");

        List<DeadlineIndex.Entry> first = index.due(5_000, 10);
        index.remove(first.get(0).deadline(), first.get(0).id()); // the scan's budget ran out after one

        assertThat(index.due(5_000, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("b", "c");
        assertThat(index.due(5_000, 1)).extracting(DeadlineIndex.Entry::id).containsExactly("b");
        assertThat(index.due(5_000, 10)).as("after a scan cut off by its limit").extracting(DeadlineIndex.Entry::id)
                .containsExactly("b", "c");
    }

    /**
     * A processor builds its index in {@code init}, which Kafka Streams calls after restoring the store (a rebalance,
     * a revived task): an index it has never written through must start from the store's first key.
     */
    @Test
    void shouldStartANewIndexAtTheStoresFirstKey() {
        index.put(1_000, "a");
        index.due(5_000, 10);
        KeyValueStore<String, String> sameStore = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("again"),
                Serdes.String(), Serdes.String()).withLoggingDisabled().build();
        sameStore.init(new MockProcessorContext<>().getStateStoreContext(), sameStore);
        sameStore.put(DeadlineIndex.key(1_000, "a"), "a");

        assertThat(new DeadlineIndex(sameStore).due(6_000, 10)).extracting(DeadlineIndex.Entry::id).containsExactly("a");
    }

    @Test
    void shouldGiveTheEarliestDeadlineDueOrNot() {
        assertThat(index.earliest()).isEmpty();
        index.put(5_000, "later");
        index.put(3_000, "sooner");

        assertThat(index.earliest()).hasValue(3_000);
        index.due(4_000, 10).forEach(e -> index.remove(e.deadline(), e.id()));
        assertThat(index.earliest()).hasValue(5_000);
        index.due(4_500, 10); // nothing due: the scan starts above 4,500 from now on
        assertThat(index.earliest()).hasValue(5_000);
        index.remove(5_000, "later");
        assertThat(index.earliest()).isEmpty();
    }

    @Test
    void shouldFindADeadlinePutBelowWhereScansStart() {
        index.due(10_000, 10); // scans start above 10,000 now
        index.put(2_000, "clock went back");

        assertThat(index.earliest()).hasValue(2_000);
    }

    @Test
    void shouldTellTheEarliestPutSinceItWasLastAskedOnce() {
        assertThat(index.takeEarliestPut()).isEqualTo(Long.MAX_VALUE);
        index.put(7_000, "a");
        index.put(6_000, "b");

        assertThat(index.takeEarliestPut()).isEqualTo(6_000);
        assertThat(index.takeEarliestPut()).isEqualTo(Long.MAX_VALUE);
    }
}

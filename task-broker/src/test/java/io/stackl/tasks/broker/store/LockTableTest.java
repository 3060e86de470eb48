package io.stackl.tasks.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.domain.LockQueue;
import java.util.OptionalLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lock epochs increase with every grant on a partition, whichever path the command took (ADR 0017). */
class LockTableTest {

    private static final long NOW = 1_767_225_600_000L;

    private KeyValueStore<String, LockQueue> queues;
    private LockTable table;

    @BeforeEach
    void stores() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        queues = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("locks"), Serdes.String(),
                new JsonSerde<>(LockQueue.class)).withLoggingDisabled().build();
        queues.init(context.getStateStoreContext(), queues);
        KeyValueStore<String, Long> epochs = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("epochs"),
                Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        epochs.init(context.getStateStoreContext(), epochs);
        table = new LockTable(queues, epochs);
    }

    @Test
    void shouldStartAPartitionAtTheWallClockInMicrosecondsWhicheverWayItsFirstGrantCame() {
        assertThat(table.apply(LockCommand.acquire("k", "a"), NOW, OptionalLong.of(41)).epoch()).isEqualTo(NOW * 1_000);
        assertThat(table.apply(LockCommand.acquire("k", "b"), NOW, OptionalLong.of(42))).isNull();
        LockGrant handedOn = table.apply(LockCommand.release("k", "a"), NOW, OptionalLong.empty());
        assertThat(handedOn.taskId()).isEqualTo("b");
        assertThat(handedOn.epoch()).isEqualTo(NOW * 1_000 + 1);
    }

    @Test
    void shouldNeverNumberATopicGrantBelowItsOffsetPlusOneAsBrokersBeforeDid() {
        // A wall clock at 0 leaves only the offsets to go by.
        assertThat(table.apply(LockCommand.acquire("k", "a"), 0, OptionalLong.of(41)).epoch()).isEqualTo(42);
        assertThat(table.apply(LockCommand.acquire("k", "b"), 0, OptionalLong.of(42))).isNull();
        assertThat(table.apply(LockCommand.release("k", "a"), 0, OptionalLong.of(50)).epoch()).isEqualTo(51);
        assertThat(table.apply(LockCommand.release("k", "b"), 0, OptionalLong.empty())).isNull();
        assertThat(table.apply(LockCommand.acquire("k", "c"), 0, OptionalLong.empty()).epoch()).isEqualTo(52);
    }

    @Test
    void shouldNumberEveryGrantOfThePartitionFromOneCounterAndARefusalWithNone() {
        long first = table.apply(LockCommand.acquire("k", "a"), NOW, OptionalLong.empty()).epoch();
        table.apply(LockCommand.release("k", "a"), NOW, OptionalLong.empty());
        assertThat(queues.get("k")).as("a free key leaves no record").isNull();
        assertThat(table.apply(LockCommand.acquire("k", "b"), NOW, OptionalLong.of(7)).epoch()).isEqualTo(first + 1);
        assertThat(table.apply(LockCommand.tryAcquire("other", "c"), NOW, OptionalLong.empty()).epoch())
                .as("every key of the partition draws from one counter").isEqualTo(first + 2);
        LockGrant refused = table.apply(LockCommand.tryAcquire("k", "d"), NOW, OptionalLong.empty());
        assertThat(refused.refused()).isTrue();
        assertThat(table.apply(LockCommand.acquire("k2", "e"), NOW, OptionalLong.empty()).epoch())
                .as("a refusal draws no number").isEqualTo(first + 3);
    }
}

package io.stackl.tasks.broker.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.store.JsonSerde;
import io.stackl.tasks.schema.TaskPartitions;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link TaskTopologyTest} with local locks, for topics of two partitions: the driver's stream task is partition 0, so
 * about half of the keys and task ids are local and take the local path, the others the lock topics (which the driver
 * feeds back to the same stores). Every test must hold whichever way each command and grant travels.
 */
class TaskTopologyMixedPlacementTest extends TaskTopologyTest {

    private static final int PARTITIONS = 2;

    @Override
    BrokerDriver newDriver() {
        return new BrokerDriver(BrokerSettings.defaults(Set.of("document", "noop")).withLocalLocks(true, PARTITIONS));
    }

    /**
     * The driver cannot tell two stores apart, so the placement is checked on the wire: only what is not local to
     * partition 0 may travel the lock topics. A command goes there when its key or its task is elsewhere, a grant when
     * its task is.
     */
    @AfterEach
    void onlyWhatIsNotLocalTravelsTheLockTopics() {
        JsonSerde<LockCommand> commands = new JsonSerde<>(LockCommand.class);
        for (String json : broker.lockRequests()) {
            LockCommand command = commands.deserializer().deserialize("", json.getBytes(StandardCharsets.UTF_8));
            assertThat(onPartitionZero(command.key()) && onPartitionZero(command.taskId())).as(json).isFalse();
        }
        JsonSerde<LockGrant> grants = new JsonSerde<>(LockGrant.class);
        for (String json : broker.lockGrants()) {
            LockGrant grant = grants.deserializer().deserialize("", json.getBytes(StandardCharsets.UTF_8));
            assertThat(onPartitionZero(grant.taskId())).as(json).isFalse();
        }
    }

    private static boolean onPartitionZero(String name) {
        return TaskPartitions.partitionOf(name, PARTITIONS) == 0;
    }
}

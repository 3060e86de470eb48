package io.stackl.tasks.broker.topology;

import io.stackl.tasks.broker.domain.BrokerSettings;
import java.util.Set;

/** {@link TaskTopologyTest} with local locks off: every lock command and grant goes through the lock topics. */
class TaskTopologyThroughLockTopicsTest extends TaskTopologyTest {

    @Override
    BrokerDriver newDriver() {
        return new BrokerDriver(BrokerSettings.defaults(Set.of("document", "noop")).withLocalLocks(false, 6));
    }
}

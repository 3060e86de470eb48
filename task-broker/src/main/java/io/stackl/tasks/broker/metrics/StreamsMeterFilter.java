package io.stackl.tasks.broker.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Keeps Kafka Streams' per-store and per-processor-node meters out of the registry, except the few that say how big
 * the stores are. There are about 80 per store and partition (5 stores × 6 partitions: 2,450 series here, over half of
 * the broker's scrape), nearly all never recorded at the INFO recording level (always NaN or 0), and the rest RocksDB
 * properties read through JNI on every scrape: a warm scrape cost the broker 40–47 ms of CPU with them, 20–31 without
 * (idle CPU included; task-broker README, "Metrics"). Thread, task and topic meters stay (the dashboard's commit
 * latency is a thread meter). {@code tasks.broker.metrics.all-store-meters} brings them all back, e.g. to study
 * RocksDB.
 */
@Singleton
public class StreamsMeterFilter {

    static final String STORE_METERS = "kafka.stream.state.";
    static final String NODE_METERS = "kafka.stream.processor.node.";
    /** Per store and partition: how many keys, and how much memory its memtables take. */
    static final Set<String> KEPT_STORE_METERS = Set.of(STORE_METERS + "estimate.num.keys",
            STORE_METERS + "size.all.mem.tables");

    @Produces
    @Singleton
    MeterFilter storeAndNodeMeters(
            @ConfigProperty(name = "tasks.broker.metrics.all-store-meters", defaultValue = "false") boolean all) {
        // NEUTRAL, never ACCEPT: the other filters (Quarkus' own) still have their say.
        return all ? new MeterFilter() {} : new MeterFilter() {
            @Override
            public MeterFilterReply accept(Meter.Id id) {
                return keeps(id.getName()) ? MeterFilterReply.NEUTRAL : MeterFilterReply.DENY;
            }
        };
    }

    static boolean keeps(String meterName) {
        if (meterName.startsWith(NODE_METERS)) {
            return false;
        }
        return !meterName.startsWith(STORE_METERS) || KEPT_STORE_METERS.contains(meterName);
    }
}

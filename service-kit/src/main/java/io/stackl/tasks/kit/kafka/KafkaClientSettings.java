package io.stackl.tasks.kit.kafka;

import io.stackl.tasks.schema.KafkaSecurity;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka client settings that every service's own producers and consumers start from, with the process's
 * {@link KafkaSecurity} settings (TLS, SASL) added.
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {}

    /**
     * A producer that loses nothing it acknowledged and duplicates nothing by its own retries: every record is
     * acknowledged by all in-sync replicas, retried idempotently, in order per partition. Linger 1 ms: records sent
     * within a millisecond share a request, and nobody waits longer for it.
     */
    public static Properties reliableProducer(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        return KafkaSecurity.applyTo(props);
    }

    /**
     * A consumer of a group that commits by hand, after its work is done, and reads only committed records: the
     * broker writes in exactly-once transactions, and an aborted one must never be acted on. A new group starts at
     * the beginning, so that nothing produced before it first ran is skipped.
     */
    public static Properties committedReader(String bootstrapServers, String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return KafkaSecurity.applyTo(props);
    }
}

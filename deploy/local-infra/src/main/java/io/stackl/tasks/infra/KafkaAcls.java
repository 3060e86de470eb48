package io.stackl.tasks.infra;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs of each SASL user of the local Kafka: what each service needs and no more, exactly the set that
 * {@code docs/security.md} documents ("ACLs"). The local Kafka runs an authorizer, so the tests that run the suite over
 * SASL_SSL prove the set complete; the plaintext listener's anonymous user stays a super user, for local tools.
 */
final class KafkaAcls {

    private static final AclOperation READ = AclOperation.READ;
    private static final AclOperation WRITE = AclOperation.WRITE;
    private static final AclOperation DESCRIBE = AclOperation.DESCRIBE;
    private static final AclOperation CREATE = AclOperation.CREATE;

    private final List<AclBinding> bindings = new ArrayList<>();

    private KafkaAcls() {}

    /** The bindings for the users {@code stackl-broker}, {@code -gateway}, {@code -worker}, {@code -history}, {@code -client}. */
    static List<AclBinding> forTheSuite() {
        KafkaAcls acls = new KafkaAcls();
        String broker = "stackl-broker";
        acls.topicPrefix(broker, "task-", READ, WRITE, DESCRIBE, CREATE);
        // Kafka Streams: its state stores' changelogs and repartition topics, its group, its transactions.
        acls.topicPrefix(broker, "task-broker-", AclOperation.ALL);
        acls.allow(broker, ResourceType.GROUP, "task-broker", PatternType.LITERAL, READ);
        acls.allow(broker, ResourceType.TRANSACTIONAL_ID, "task-broker-", PatternType.PREFIXED, WRITE, DESCRIBE);
        acls.allow(broker, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE,
                AclOperation.DESCRIBE_CONFIGS);

        String gateway = "stackl-gateway";
        acls.topics(gateway, List.of("task-requests", "task-commands"), WRITE, DESCRIBE);
        acls.topics(gateway, List.of("task-events", "task-dead-letters"), READ, DESCRIBE);
        acls.allow(gateway, ResourceType.GROUP, "api-gateway-", PatternType.PREFIXED, READ);
        acls.allow(gateway, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE);

        String worker = "stackl-worker";
        acls.topicPrefix(worker, "task-work.", READ, DESCRIBE, CREATE);
        acls.topics(worker, List.of("task-results", "task-dead-letters"), WRITE, DESCRIBE, CREATE);
        acls.allow(worker, ResourceType.GROUP, "workers", PatternType.LITERAL, READ);
        acls.allow(worker, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE);

        String history = "stackl-history";
        acls.topics(history, List.of("task-events", "task-results", "task-rollbacks"), READ);
        acls.topics(history, List.of("task-compensations", "task-rollback-reports", "task-dead-letters"), WRITE);
        acls.topicPrefix(history, "task-work.", WRITE);
        acls.topicPrefix(history, "task-", CREATE, DESCRIBE);
        acls.allow(history, ResourceType.GROUP, "history-service", PatternType.PREFIXED, READ);
        acls.allow(history, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE);

        // A producer of the users' own: submit and cancel, and hear how tasks ended.
        String client = "stackl-client";
        acls.topics(client, List.of("task-requests", "task-commands"), WRITE, DESCRIBE);
        acls.topics(client, List.of("task-events"), READ, DESCRIBE);
        acls.allow(client, ResourceType.GROUP, "stackl-client-", PatternType.PREFIXED, READ);
        acls.allow(client, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE);
        // The same producer over mutual TLS: its principal is its certificate's subject.
        String certified = "CN=" + LocalCertificates.CLIENT;
        acls.topics(certified, List.of("task-requests", "task-commands"), WRITE, DESCRIBE);
        acls.topics(certified, List.of("task-events"), READ, DESCRIBE);
        acls.allow(certified, ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                AclOperation.IDEMPOTENT_WRITE);
        return List.copyOf(acls.bindings);
    }

    private void topics(String user, List<String> names, AclOperation... operations) {
        names.forEach(name -> allow(user, ResourceType.TOPIC, name, PatternType.LITERAL, operations));
    }

    private void topicPrefix(String user, String prefix, AclOperation... operations) {
        allow(user, ResourceType.TOPIC, prefix, PatternType.PREFIXED, operations);
    }

    private void allow(String user, ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        for (AclOperation operation : operations) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}

package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.TopologyNames.*;

import io.stackl.tasks.broker.domain.Admission;
import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.domain.IdempotencyEntry;
import io.stackl.tasks.broker.domain.LockCommand;
import io.stackl.tasks.broker.domain.LockGrant;
import io.stackl.tasks.broker.domain.LockQueue;
import io.stackl.tasks.broker.domain.TaskSpec;
import io.stackl.tasks.broker.processor.DecodingProcessor;
import io.stackl.tasks.broker.processor.IdempotencyProcessor;
import io.stackl.tasks.broker.processor.LockProcessor;
import io.stackl.tasks.broker.processor.RequestIntakeProcessor;
import io.stackl.tasks.broker.processor.TaskProcessor;
import io.stackl.tasks.broker.store.JsonSerde;
import io.stackl.tasks.schema.RollbackCommand;
import io.stackl.tasks.schema.RollbackReport;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskResult;
import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.schema.WorkItem;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

/**
 * The broker's topology, in three sub-topologies that meet only through topics:
 * <ol>
 *   <li><b>Task partition</b> (keyed by task id): requests, commands, results, rollback reports, admissions and
 *       lock grants feed {@code task-lifecycle-processor}, which owns {@code tasks-store} and
 *       {@code task-deadlines-store} and emits events, work items, rollback commands and lock commands.
 *   <li><b>Idempotency partition</b> (keyed by source + idempotency key): decides new / duplicate / conflict.
 *   <li><b>Lock partition</b> (keyed by document key): FIFO lock queues in {@code document-locks-store}, grants
 *       numbered in {@code lock-epochs-store}.
 * </ol>
 * They are one sub-topology for Kafka Streams (they share sinks), so stream task p holds partition p of each. With
 * local locks (ADR 0017) the task processor takes the locks of keys on its own partition itself, and the lock
 * processor hands grants for tasks on its own partition straight to it.
 * All task-keyed input topics must have the same partition count (the broker creates them so). Plain Java: tests
 * build it without Quarkus.
 */
public final class TaskTopology {

    private TaskTopology() {}

    public static Topology build(BrokerSettings settings, RecordSerdes serdes, TaskObserver observer,
            BrokerClock clock) {
        Topology topology = new Topology();
        StringDeserializer keys = new StringDeserializer();
        ByteArrayDeserializer raw = new ByteArrayDeserializer();

        // 1. Task partition.
        topology.addSource(REQUESTS_SOURCE, keys, raw, Topics.TASK_REQUESTS.name());
        topology.addProcessor(REQUEST_INTAKE,
                () -> new RequestIntakeProcessor(serdes.deserializer(TaskRequest.class), settings, observer),
                REQUESTS_SOURCE);
        decoded(topology, COMMANDS_SOURCE, Topics.TASK_COMMANDS.name(), COMMANDS_DECODER,
                () -> new DecodingProcessor<>(serdes.deserializer(TaskCommand.class), TASK_PROCESSOR, observer));
        decoded(topology, RESULTS_SOURCE, Topics.TASK_RESULTS.name(), RESULTS_DECODER,
                () -> new DecodingProcessor<>(serdes.deserializer(TaskResult.class), TASK_PROCESSOR, observer));
        decoded(topology, ROLLBACK_REPORTS_SOURCE, Topics.TASK_ROLLBACK_REPORTS.name(), ROLLBACK_REPORTS_DECODER,
                () -> new DecodingProcessor<>(serdes.deserializer(RollbackReport.class), TASK_PROCESSOR, observer));
        decoded(topology, ADMISSIONS_SOURCE, ADMISSIONS_TOPIC, ADMISSIONS_DECODER,
                () -> new DecodingProcessor<>(new JsonSerde<>(Admission.class).deserializer(), TASK_PROCESSOR, observer));
        decoded(topology, LOCK_GRANTS_SOURCE, LOCK_GRANTS_TOPIC, LOCK_GRANTS_DECODER,
                () -> new DecodingProcessor<>(new JsonSerde<>(LockGrant.class).deserializer(), TASK_PROCESSOR, observer));
        // 3. Lock partition (declared here: it may feed the task processor). All three parts are one sub-topology
        // (they share sinks), so stream task p holds partition p of every topic and store. With local locks (ADR 0017)
        // the lock processor hands grants for tasks on its partition straight to the task processor, which in turn
        // carries out commands for keys on its own partition.
        topology.addSource(LOCK_REQUESTS_SOURCE, keys, raw, LOCK_REQUESTS_TOPIC);
        topology.addProcessor(LOCK_PROCESSOR,
                () -> new LockProcessor(observer, settings.localLocks(), settings.partitions()), LOCK_REQUESTS_SOURCE);

        List<String> taskInputs = new ArrayList<>(List.of(REQUEST_INTAKE, COMMANDS_DECODER, RESULTS_DECODER,
                ROLLBACK_REPORTS_DECODER, ADMISSIONS_DECODER, LOCK_GRANTS_DECODER));
        if (settings.localLocks()) {
            taskInputs.add(LOCK_PROCESSOR);
        }
        topology.addProcessor(TASK_PROCESSOR, () -> new TaskProcessor(settings, observer, clock),
                taskInputs.toArray(String[]::new));
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TASKS_STORE),
                Serdes.String(), new JsonSerde<>(BrokerTask.class)), TASK_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEADLINES_STORE),
                Serdes.String(), Serdes.String()), TASK_PROCESSOR);
        String[] lockOwners = settings.localLocks() ? new String[] {LOCK_PROCESSOR, TASK_PROCESSOR}
                : new String[] {LOCK_PROCESSOR};
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LOCKS_STORE),
                Serdes.String(), new JsonSerde<>(LockQueue.class)), lockOwners);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LOCK_EPOCHS_STORE),
                Serdes.String(), Serdes.Long()), lockOwners);

        // 2. Idempotency partition.
        topology.addSource(IDEMPOTENCY_CHECKS_SOURCE, keys, raw, IDEMPOTENCY_CHECKS_TOPIC);
        topology.addProcessor(IDEMPOTENCY_PROCESSOR,
                () -> new IdempotencyProcessor(settings.idempotencyWindow(), observer), IDEMPOTENCY_CHECKS_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IDEMPOTENCY_STORE),
                Serdes.String(), new JsonSerde<>(IdempotencyEntry.class)), IDEMPOTENCY_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IDEMPOTENCY_EXPIRY_STORE),
                Serdes.String(), Serdes.String()), IDEMPOTENCY_PROCESSOR);

        // Sinks.
        StringSerializer keyOut = new StringSerializer();
        topology.addSink(EVENTS_SINK, Topics.TASK_EVENTS.name(), keyOut, serdes.serializer(TaskEvent.class),
                TASK_PROCESSOR);
        TopicNameExtractor<String, WorkItem> workTopic = (key, item, context) -> Topics.workTopic(item.getTopic());
        topology.addSink(WORK_SINK, workTopic, keyOut, serdes.serializer(WorkItem.class), TASK_PROCESSOR);
        topology.addSink(ROLLBACKS_SINK, Topics.TASK_ROLLBACKS.name(), keyOut, serdes.serializer(RollbackCommand.class),
                TASK_PROCESSOR);
        topology.addSink(LOCK_REQUESTS_SINK, LOCK_REQUESTS_TOPIC, keyOut, new JsonSerde<>(LockCommand.class).serializer(),
                TASK_PROCESSOR);
        topology.addSink(LOCK_GRANTS_SINK, LOCK_GRANTS_TOPIC, keyOut, new JsonSerde<>(LockGrant.class).serializer(),
                lockOwners);
        topology.addSink(IDEMPOTENCY_CHECKS_SINK, IDEMPOTENCY_CHECKS_TOPIC, keyOut,
                new JsonSerde<>(TaskSpec.class).serializer(), REQUEST_INTAKE);
        topology.addSink(ADMISSIONS_SINK, ADMISSIONS_TOPIC, keyOut, new JsonSerde<>(Admission.class).serializer(),
                REQUEST_INTAKE, IDEMPOTENCY_PROCESSOR);
        topology.addSink(DEAD_LETTERS_SINK, Topics.TASK_DEAD_LETTERS, keyOut, new ByteArraySerializer(),
                REQUEST_INTAKE, COMMANDS_DECODER, RESULTS_DECODER, ROLLBACK_REPORTS_DECODER, ADMISSIONS_DECODER,
                LOCK_GRANTS_DECODER, IDEMPOTENCY_PROCESSOR, LOCK_PROCESSOR);
        return topology;
    }

    /** Every topic the topology reads or writes, except the work topics (one per task topic). */
    public static List<String> topics() {
        return List.of(Topics.TASK_REQUESTS.name(), Topics.TASK_COMMANDS.name(), Topics.TASK_RESULTS.name(),
                Topics.TASK_ROLLBACK_REPORTS.name(), Topics.TASK_EVENTS.name(), Topics.TASK_ROLLBACKS.name(),
                Topics.TASK_COMPENSATIONS.name(), Topics.TASK_DEAD_LETTERS, ADMISSIONS_TOPIC, LOCK_GRANTS_TOPIC,
                LOCK_REQUESTS_TOPIC, IDEMPOTENCY_CHECKS_TOPIC);
    }

    private static void decoded(Topology topology, String sourceName, String topic, String decoderName,
            org.apache.kafka.streams.processor.api.ProcessorSupplier<String, byte[], String, Object> decoder) {
        topology.addSource(sourceName, new StringDeserializer(), new ByteArrayDeserializer(), topic);
        topology.addProcessor(decoderName, decoder, sourceName);
    }
}

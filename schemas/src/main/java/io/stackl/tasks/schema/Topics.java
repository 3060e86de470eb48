package io.stackl.tasks.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Every topic of the system, declared once. Keys are UTF-8 strings (the task id); values are Avro in the Confluent
 * wire format (see {@link AvroSerdes}), except the dead-letter topic, which keeps the original bytes.
 */
public final class Topics {

    /** {@link TaskRequest}s from the gateway or any producer. Consumed by the task-broker. */
    public static final Topic<TaskRequest> TASK_REQUESTS = new Topic<>("task-requests", TaskRequest.class);
    /** {@link TaskCommand}s (cancel) on live tasks. Consumed by the task-broker. */
    public static final Topic<TaskCommand> TASK_COMMANDS = new Topic<>("task-commands", TaskCommand.class);
    /** {@link TaskEvent}s: every lifecycle transition, in order per task. Produced by the task-broker only. */
    public static final Topic<TaskEvent> TASK_EVENTS = new Topic<>("task-events", TaskEvent.class);
    /** {@link TaskResult}s from the workers. Consumed by the task-broker and the history-service. */
    public static final Topic<TaskResult> TASK_RESULTS = new Topic<>("task-results", TaskResult.class);
    /** {@link RollbackCommand}s from the task-broker to the history-service. */
    public static final Topic<RollbackCommand> TASK_ROLLBACKS = new Topic<>("task-rollbacks", RollbackCommand.class);
    /** {@link RollbackReport}s from the history-service back to the task-broker. */
    public static final Topic<RollbackReport> TASK_ROLLBACK_REPORTS =
            new Topic<>("task-rollback-reports", RollbackReport.class);
    /** {@link CompensationEvent}s: one per item a rollback restored. Produced by the history-service. */
    public static final Topic<CompensationEvent> TASK_COMPENSATIONS =
            new Topic<>("task-compensations", CompensationEvent.class);
    /**
     * Records that could not be decoded, with the original key and value bytes; headers name the source topic,
     * partition, offset and the error (see {@link DeadLetters}).
     */
    public static final String TASK_DEAD_LETTERS = "task-dead-letters";

    /** Work topics are {@code task-work.<task topic>}; each is shared by the workers of that topic as one group. */
    public static final String WORK_TOPIC_PREFIX = "task-work.";

    /** The task topics a name may use: Kafka's legal topic characters, without the dot that separates the prefix. */
    private static final Pattern TASK_TOPIC = Pattern.compile("[a-zA-Z0-9_-]{1,200}");

    private Topics() {}

    /** The topics whose values are Avro records, each with its record type. */
    public static List<Topic<?>> recordTopics() {
        return List.of(TASK_REQUESTS, TASK_COMMANDS, TASK_EVENTS, TASK_RESULTS, TASK_ROLLBACKS, TASK_ROLLBACK_REPORTS,
                TASK_COMPENSATIONS);
    }

    /**
     * Every topic whose values are Avro records, with its record type: the {@link #recordTopics} and, for each of
     * {@code workTopics}, {@link WorkItem}. The one place that says which schema a topic's values have (its subject in
     * the registry, and what a service warms up for it).
     */
    public static Map<String, Class<? extends SpecificRecord>> recordTypes(Iterable<String> workTopics) {
        Map<String, Class<? extends SpecificRecord>> types = new LinkedHashMap<>();
        recordTopics().forEach(topic -> types.put(topic.name(), topic.valueType()));
        workTopics.forEach(workTopic -> types.put(workTopic, WorkItem.class));
        return types;
    }

    /** The fixed topics (work topics come on top of these, one per task topic). */
    public static List<String> fixedTopicNames() {
        return Stream.concat(recordTopics().stream().map(Topic::name), Stream.of(TASK_DEAD_LETTERS)).toList();
    }

    public static boolean isValidTaskTopic(String taskTopic) {
        return taskTopic != null && TASK_TOPIC.matcher(taskTopic).matches();
    }

    /** The work topic of a task topic, e.g. {@code document} gives {@code task-work.document}. */
    public static String workTopic(String taskTopic) {
        if (!isValidTaskTopic(taskTopic)) {
            throw new IllegalArgumentException("not a valid task topic: '" + taskTopic
                    + "' (letters, digits, '_' and '-', at most 200)");
        }
        return WORK_TOPIC_PREFIX + taskTopic;
    }

    /** A topic's name with the record type of its values, and the serdes of those values in the wire format. */
    public record Topic<V extends SpecificRecord>(String name, Class<V> valueType) {

        /** Writes this topic's values (see {@link AvroSerdes}); one per producer, as it caches schema ids. */
        public Serializer<V> serializer(String registryUrl) {
            return AvroSerdes.serializer(valueType, registryUrl);
        }

        /** Reads this topic's values; bytes that are not one throw {@link UndecodableRecordException}. */
        public Deserializer<V> deserializer(String registryUrl) {
            return AvroSerdes.deserializer(valueType, registryUrl);
        }
    }
}

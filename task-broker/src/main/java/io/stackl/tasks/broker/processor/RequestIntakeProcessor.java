package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.domain.Admission;
import io.stackl.tasks.broker.domain.BrokerSettings;
import io.stackl.tasks.broker.domain.RequestValidation;
import io.stackl.tasks.broker.domain.TaskSpec;
import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.broker.topology.TopologyNames;
import io.stackl.tasks.schema.TaskRequest;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The door for task requests. Validates each ({@link RequestValidation}), then routes it to where it can be decided:
 * <ul>
 *   <li>invalid: to the lifecycle processor, which rejects it (an id that cannot name a task: the dead-letter topic);
 *   <li>with an idempotency key: to {@code task-idempotency-checks}, keyed by source and key, so that one partition
 *       sees every use of the key;
 *   <li>keyed by its own id: straight to the lifecycle processor (it is already in the task's partition);
 *   <li>keyed otherwise (a producer that used no key or another key): to {@code task-admissions}, keyed by id.
 * </ul>
 */
public final class RequestIntakeProcessor implements Processor<String, byte[], String, Object> {

    /** Separates source and idempotency key in the idempotency store's key; validation refuses it in either. */
    public static final String IDEMPOTENCY_SCOPE_SEPARATOR = "\u0000";

    private final Deserializer<TaskRequest> deserializer;
    private final RequestValidation validation;
    private final TaskObserver observer;
    private ProcessorContext<String, Object> context;

    public RequestIntakeProcessor(Deserializer<TaskRequest> deserializer, BrokerSettings settings,
            TaskObserver observer) {
        this.deserializer = deserializer;
        this.validation = new RequestValidation(settings);
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("task-requests");
        TaskRequest request = DeadLetterRouting.decodeOrDeadLetter(context, record,
                bytes -> deserializer.deserialize(topic, bytes), observer);
        if (request == null) {
            return;
        }
        TaskSpec spec = TaskSpec.from(request);
        if (spec.id() == null || spec.id().isBlank()) {
            if (record.key() == null || record.key().isBlank()) {
                DeadLetterRouting.send(context, record,
                        new IllegalArgumentException("the request has no task id, in its body or its key"), observer);
                return;
            }
            // The record's key is the task id by contract; an id missing from the body is taken from it.
            spec = spec.withId(record.key());
        }
        String badId = RequestValidation.idProblem(spec.id());
        if (badId != null) {
            // No REJECTED event can be written under an id that cannot be stored or named.
            DeadLetterRouting.send(context, record, new IllegalArgumentException(badId), observer);
            return;
        }
        try {
            String invalid = validation.problem(spec);
            if (invalid != null) {
                // Straight to the task partition: an invalid request never takes (and so never blocks) its
                // idempotency key.
                forwardToTask(spec, Admission.invalid(spec, invalid), record);
            } else if (spec.idempotencyKey() != null && !spec.idempotencyKey().isBlank()) {
                String scope = (spec.source() == null ? "" : spec.source()) + IDEMPOTENCY_SCOPE_SEPARATOR
                        + spec.idempotencyKey();
                context.forward(new Record<String, Object>(scope, spec, record.timestamp()),
                        TopologyNames.IDEMPOTENCY_CHECKS_SINK);
            } else {
                forwardToTask(spec, Admission.fresh(spec), record);
            }
        } catch (RuntimeException e) {
            if (DeadLetterRouting.isInfrastructure(e)) {
                throw e;
            }
            DeadLetterRouting.send(context, record, e, observer);
        }
    }

    /** In the task's partition already when keyed by its id; otherwise through {@code task-admissions}. */
    private void forwardToTask(TaskSpec spec, Admission admission, Record<String, byte[]> record) {
        if (spec.id().equals(record.key())) {
            context.forward(new Record<String, Object>(spec.id(), admission, record.timestamp(), record.headers()),
                    TopologyNames.TASK_PROCESSOR);
        } else {
            context.forward(new Record<String, Object>(spec.id(), admission, record.timestamp()),
                    TopologyNames.ADMISSIONS_SINK);
        }
    }
}

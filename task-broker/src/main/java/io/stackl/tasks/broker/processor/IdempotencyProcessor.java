package io.stackl.tasks.broker.processor;

import io.stackl.tasks.broker.domain.Admission;
import io.stackl.tasks.broker.domain.IdempotencyEntry;
import io.stackl.tasks.broker.domain.RequestFingerprint;
import io.stackl.tasks.broker.domain.TaskSpec;
import io.stackl.tasks.broker.store.DeadlineIndex;
import io.stackl.tasks.broker.store.JsonSerde;
import io.stackl.tasks.broker.topology.TaskObserver;
import io.stackl.tasks.broker.topology.TopologyNames;
import java.time.Duration;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decides, in the partition of the idempotency key, whether a request is new, a repeat of the request that first
 * used the key within the window, or a conflicting reuse of the key. Forwards the verdict to the task partition.
 */
public final class IdempotencyProcessor implements Processor<String, byte[], String, Object> {

    private static final Duration EXPIRY_SCAN_INTERVAL = Duration.ofSeconds(1);
    private static final int EXPIRY_SCAN_MAX = 1000;

    private final Duration window;
    private final TaskObserver observer;
    private final JsonSerde<TaskSpec> specs = new JsonSerde<>(TaskSpec.class);
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, IdempotencyEntry> entries;
    private DeadlineIndex expiries;
    private Cancellable expiryScan;

    public IdempotencyProcessor(Duration window, TaskObserver observer) {
        this.window = window;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.entries = context.getStateStore(TopologyNames.IDEMPOTENCY_STORE);
        this.expiries = new DeadlineIndex(context.getStateStore(TopologyNames.IDEMPOTENCY_EXPIRY_STORE));
        this.expiryScan = context.schedule(EXPIRY_SCAN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        TaskSpec spec = DeadLetterRouting.decodeOrDeadLetter(context, record,
                bytes -> specs.deserializer().deserialize(TopologyNames.IDEMPOTENCY_CHECKS_TOPIC, bytes), observer);
        if (spec == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        String scope = record.key();
        String fingerprint = RequestFingerprint.of(spec);
        IdempotencyEntry first = entries.get(scope);
        Admission admission;
        if (first != null && first.expiresAt() > now) {
            if (first.taskId().equals(spec.id())) {
                // The same request delivered again: the task partition knows the id and ignores it.
                admission = Admission.fresh(spec);
            } else if (first.fingerprint().equals(fingerprint)) {
                admission = new Admission(spec, Admission.Verdict.DUPLICATE, first.taskId());
            } else {
                admission = new Admission(spec, Admission.Verdict.CONFLICT, first.taskId());
            }
        } else {
            if (first != null) {
                expiries.remove(first.expiresAt(), scope);
            }
            IdempotencyEntry entry = new IdempotencyEntry(spec.id(), fingerprint, now, now + window.toMillis());
            entries.put(scope, entry);
            expiries.put(entry.expiresAt(), scope);
            admission = Admission.fresh(spec);
        }
        context.forward(new Record<String, Object>(spec.id(), admission, record.timestamp()),
                TopologyNames.ADMISSIONS_SINK);
    }

    private void expire(long now) {
        for (DeadlineIndex.Entry due : expiries.due(now, EXPIRY_SCAN_MAX)) {
            IdempotencyEntry entry = entries.get(due.id());
            if (entry != null && entry.expiresAt() <= now) {
                entries.delete(due.id());
            }
            expiries.remove(due.deadline(), due.id());
        }
    }

    @Override
    public void close() {
        if (expiryScan != null) {
            expiryScan.cancel();
        }
    }
}

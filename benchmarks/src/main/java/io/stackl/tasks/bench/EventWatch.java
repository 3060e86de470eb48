package io.stackl.tasks.bench;

import io.stackl.tasks.schema.TaskStates;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.Topics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The task events as a user's read_committed consumer sees them, from the moment it starts: each event of a task that
 * a cell registered goes to that cell's listener with the instant it was seen.
 */
final class EventWatch implements AutoCloseable {


    interface Listener {
        void on(TaskEvent event, long seenNanos);
    }

    private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
    private final Deserializer<TaskEvent> events;
    private final ReplyWatch watch;

    EventWatch(KafkaClients kafka, String registryUrl) {
        events = Topics.TASK_EVENTS.deserializer(registryUrl);
        watch = new ReplyWatch(kafka, Topics.TASK_EVENTS.name(), true, (record, seenAt) -> {
            Listener listener = listeners.get(record.key());
            if (listener != null) {
                TaskEvent event = events.deserialize(record.topic(), record.value());
                listener.on(event, seenAt);
                if (TaskStates.isTerminal(event.getState())) {
                    listeners.remove(record.key());
                }
            }
        });
    }

    void listen(String taskId, Listener listener) {
        listeners.put(taskId, listener);
    }

    void forget(String taskId) {
        listeners.remove(taskId);
    }

    @Override
    public void close() {
        watch.close();
        events.close();
    }
}

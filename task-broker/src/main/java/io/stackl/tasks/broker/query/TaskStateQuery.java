package io.stackl.tasks.broker.query;

import io.stackl.tasks.broker.domain.BrokerTask;
import io.stackl.tasks.broker.topology.TopologyNames;
import io.stackl.tasks.schema.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletionStage;

/** Reads a task's live state from {@code tasks-store}, on whichever instance owns the task's partition. */
@ApplicationScoped
public class TaskStateQuery {

    private final StoreQueries queries;

    TaskStateQuery(StoreQueries queries) {
        this.queries = queries;
    }

    public CompletionStage<StoreQueries.Answer<TaskView>> find(String taskId, boolean localOnly) {
        return queries.<BrokerTask, TaskView>find(TopologyNames.TASKS_STORE, Topics.TASK_REQUESTS.name(), "task",
                taskId, localOnly, task -> TaskView.of(task, queries.self()), "/tasks/" + StoreQueries.encode(taskId));
    }
}

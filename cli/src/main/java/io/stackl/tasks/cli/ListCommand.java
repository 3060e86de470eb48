package io.stackl.tasks.cli;

import io.stackl.tasks.client.Task;
import io.stackl.tasks.client.TaskQuery;
import io.stackl.tasks.client.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", description = {"Tasks, newest change first.",
        "Page on with --before set to the UPDATED of the last row (the command prints it when there may be more)."})
final class ListCommand extends ClientCommand {

    @Option(names = "--state", paramLabel = "STATE", description = "Only tasks in this state: ${COMPLETION-CANDIDATES}")
    TaskState state;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Only tasks of this topic")
    String topic;

    @Option(names = "--since", paramLabel = "DURATION", description = "Only tasks that changed in the last DURATION")
    Duration since;

    @Option(names = "--before", paramLabel = "INSTANT", description = "Only tasks that changed before this instant")
    Instant before;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", defaultValue = "20", description = "At most N (1 to 500)")
    int limit;

    @Override
    public Integer call() {
        TaskQuery query = TaskQuery.all().state(state).topic(topic).before(before).limit(limit)
                .between(since == null ? null : Instant.now().minus(since), null);
        List<Task> tasks = client().list(query);
        if (format() != Output.Format.table) {
            Output.document(out(), format(), Output.JSON.valueToTree(tasks.stream().map(Task::json).toList()));
            return ExitCodes.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Task task : tasks) {
            rows.add(List.of(String.valueOf(task.updatedAt()), task.taskId(), task.topic() + "/" + task.subtype(),
                    String.valueOf(task.source()), task.state().name()));
        }
        Output.table(out(), List.of("UPDATED", "TASK", "WHAT", "SOURCE", "STATE"), rows);
        if (tasks.size() == limit && !tasks.isEmpty()) {
            err().println("(more may follow: --before " + tasks.get(tasks.size() - 1).updatedAt() + ")");
            err().flush();
        }
        return ExitCodes.OK;
    }
}

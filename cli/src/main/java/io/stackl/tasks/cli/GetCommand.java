package io.stackl.tasks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.client.Task;
import io.stackl.tasks.client.TaskEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "A task: its state, its timeline of events, its attempts and locks.")
final class GetCommand extends ClientCommand {

    @Parameters(paramLabel = "TASK_ID")
    String taskId;

    @Override
    public Integer call() {
        Task task = client().get(taskId);
        if (format() != Output.Format.table) {
            Output.document(out(), format(), task.json());
            return ExitCodes.OK;
        }
        JsonNode json = task.json();
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"task", task.taskId()});
        fields.add(new String[] {"state", task.state().name()});
        fields.add(new String[] {"what", task.topic() + "/" + task.subtype()});
        fields.add(new String[] {"source", task.source()});
        if (json.path("lockKeys").size() > 0) {
            fields.add(new String[] {"keys", json.path("lockKeys").toString()});
        }
        if (json.hasNonNull("output")) {
            fields.add(new String[] {"output", Output.compact(json.get("output"))});
        }
        if (json.hasNonNull("reason")) {
            fields.add(new String[] {"reason", json.get("reason").asText()});
        }
        Output.fields(out(), fields);
        if (!task.events().isEmpty()) {
            out().println();
            Instant first = task.events().get(0).occurredAt();
            List<List<String>> rows = new ArrayList<>();
            for (TaskEvent event : task.events()) {
                rows.add(List.of(String.valueOf(event.sequence()), String.valueOf(event.occurredAt()),
                        "+" + Duration.between(first, event.occurredAt()).toMillis() + " ms", event.state().name(),
                        event.attempt() == 0 ? "-" : String.valueOf(event.attempt()),
                        event.reason() == null ? "" : event.reason()));
            }
            Output.table(out(), List.of("#", "AT", "SINCE START", "STATE", "ATTEMPT", "REASON"), rows);
        }
        return ExitCodes.OK;
    }
}

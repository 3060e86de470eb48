package io.stackl.tasks.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.client.TaskOutcome;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** How an ended task is printed, by {@code submit --wait} and {@code result}. */
final class Outcomes {

    private Outcomes() {}

    static void print(PrintWriter out, Output.Format format, TaskOutcome outcome) {
        if (format != Output.Format.table) {
            ObjectNode node = Output.JSON.createObjectNode().put("taskId", outcome.taskId())
                    .put("state", outcome.state().name());
            node.set("output", outcome.output());
            node.set("failure", outcome.failure() == null ? null : Output.tree(outcome.failure()));
            node.put("reason", outcome.reason());
            node.put("rejectionCode", outcome.rejectionCode());
            node.put("relatedTaskId", outcome.relatedTaskId());
            Output.document(out, format, node);
            return;
        }
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"task", outcome.taskId()});
        fields.add(new String[] {"state", outcome.state().name()});
        if (outcome.output() != null) {
            fields.add(new String[] {"output", Output.compact(outcome.output())});
        }
        if (outcome.failure() != null) {
            fields.add(new String[] {"failure", outcome.failure().code() + ": " + outcome.failure().message()});
        }
        if (outcome.reason() != null) {
            fields.add(new String[] {"reason", outcome.reason()});
        }
        Output.fields(out, fields);
    }
}

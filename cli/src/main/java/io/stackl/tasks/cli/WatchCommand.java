package io.stackl.tasks.cli;

import io.stackl.tasks.client.AwaitTimeoutException;
import io.stackl.tasks.client.TaskEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch", description = {"Follow a task live until it ends, and exit with the code of its end state.",
        "On a terminal: one progress line of its states; otherwise one line per event (-o json: one JSON object"
                + " per event)."})
final class WatchCommand extends ClientCommand {

    @Parameters(paramLabel = "TASK_ID")
    String taskId;

    @Option(names = "--for", paramLabel = "DURATION", defaultValue = "1h",
            description = "Give up after this long (default: ${DEFAULT-VALUE}); exit code 6")
    Duration limit;

    @Option(names = "--lines", description = "One line per event even on a terminal")
    boolean lines;

    @Override
    public Integer call() {
        boolean progressLine = !lines && format() == Output.Format.table && System.console() != null;
        List<String> states = new ArrayList<>();
        Instant[] first = {null};
        try {
            TaskEvent end = client().watch(taskId, event -> {
                if (first[0] == null) {
                    first[0] = event.occurredAt() != null ? event.occurredAt() : Instant.now();
                }
                if (format() != Output.Format.table) {
                    out().println(Output.compact(event.json()));
                } else if (progressLine) {
                    states.add(event.state().name() + (event.attempt() > 1 && event.state().name().equals("DISPATCHED")
                            ? " #" + event.attempt() : ""));
                    long ms = event.occurredAt() == null ? 0 : Duration.between(first[0], event.occurredAt()).toMillis();
                    out().print("\r\033[K" + shortId(taskId) + "  " + String.join(" → ", states) + "  (" + ms + " ms)");
                } else {
                    long ms = event.occurredAt() == null ? 0 : Duration.between(first[0], event.occurredAt()).toMillis();
                    out().printf("+%6d ms  %-18s %s%n", ms, event.state().name(),
                            event.reason() == null ? "" : event.reason());
                }
                out().flush();
            }, limit);
            if (progressLine) {
                out().println();
                if (end.reason() != null) {
                    out().println(end.state().name() + ": " + end.reason());
                }
                out().flush();
            }
            return ExitCodes.of(end.state());
        } catch (AwaitTimeoutException notEnded) {
            if (progressLine) {
                out().println();
                out().flush();
            }
            err().println("task " + taskId + " had not ended after " + limit + "; it was " + notEnded.lastState());
            err().flush();
            return ExitCodes.NOT_ENDED;
        }
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) + "…" : id;
    }
}

package io.stackl.tasks.cli;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tail", description = {"Show the lifecycle events of all tasks as they happen (from now on; Ctrl-C"
        + " stops).", "One line per event; -o json prints one JSON object per event."})
final class TailCommand extends ClientCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Only tasks of this topic")
    String topic;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Only tasks from this source")
    String source;

    @Option(names = "--for", paramLabel = "DURATION", defaultValue = "3650d",
            description = "Stop after this long (default: until Ctrl-C)")
    Duration duration;

    @Override
    public Integer call() {
        client().tail(topic, source, event -> {
            if (format() != Output.Format.table) {
                out().println(Output.compact(event.json()));
            } else {
                out().printf("%s  %-18s %-20s %s%s%n", event.occurredAt() == null ? "-" : TIME.format(event.occurredAt()),
                        event.state().name(), event.topic() + "/" + event.subtype(), event.taskId(),
                        event.reason() == null ? "" : "  " + event.reason());
            }
            out().flush();
        }, duration);
        return ExitCodes.OK;
    }
}

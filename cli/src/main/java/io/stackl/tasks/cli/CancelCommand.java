package io.stackl.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", description = "Cancel a task: it is rolled back. Follow it with watch to see it end.")
final class CancelCommand extends ClientCommand {

    @Parameters(paramLabel = "TASK_ID")
    String taskId;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why; recorded on the task")
    String reason;

    @Override
    public Integer call() {
        client().cancel(taskId, reason);
        out().println("cancel requested for " + taskId + "; it will end ROLLED_BACK");
        out().flush();
        return ExitCodes.OK;
    }
}

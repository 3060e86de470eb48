package io.stackl.tasks.cli;

import io.stackl.tasks.client.TaskOutcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "result", description = {"How a task ended; exits with the code of its end state.",
        "A task still running is an error (409 /problems/result-not-ready): use watch to wait for it."})
final class ResultCommand extends ClientCommand {

    @Parameters(paramLabel = "TASK_ID")
    String taskId;

    @Override
    public Integer call() {
        TaskOutcome outcome = client().result(taskId);
        Outcomes.print(out(), format(), outcome);
        return ExitCodes.of(outcome.state());
    }
}

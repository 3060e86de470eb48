package io.stackl.tasks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.client.AwaitTimeoutException;
import io.stackl.tasks.client.Submission;
import io.stackl.tasks.client.TaskHandle;
import io.stackl.tasks.client.TaskOutcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "submit", description = {"Submit a task.",
        "Arguments come from -a name=value (a value that is JSON is taken as JSON, anything else as a string),"
                + " and/or from a JSON or YAML file (-f FILE, or -f - for stdin); -a wins over the file.",
        "Examples:",
        "  stackl submit document put -a key=stacks/web -a 'value={\"replicas\": 3}' --keys stacks/web --wait",
        "  stackl submit http call -f call.yaml --timeout 2m --wait"})
final class SubmitCommand extends ClientCommand {

    @Parameters(index = "0", paramLabel = "TOPIC", description = "The task topic (the worker pool), e.g. document")
    String topic;

    @Parameters(index = "1", paramLabel = "SUBTYPE", description = "What that pool does, e.g. put")
    String subtype;

    @Option(names = {"-a", "--arg"}, paramLabel = "NAME=VALUE", description = "An argument; repeatable")
    Map<String, String> arguments = Map.of();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Arguments as a JSON or YAML object; - for stdin")
    String file;

    @Option(names = {"-k", "--keys"}, split = ",", paramLabel = "KEY",
            description = "Document keys the task changes: locked all or none before it runs, restored on rollback")
    List<String> keys = new ArrayList<>();

    @Option(names = "--wait", description = "Wait until the task ends, print how, and exit with its code")
    boolean wait;

    @Option(names = "--wait-for", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long --wait waits (default: ${DEFAULT-VALUE}); the task goes on running after it")
    Duration waitFor;

    @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION",
            description = "How long an attempt may run once dispatched (the broker's default when not given)")
    Duration timeout;

    @Option(names = "--queue-timeout", paramLabel = "DURATION",
            description = "How long it may wait for its locks (the broker's default when not given)")
    Duration queueTimeout;

    @Option(names = "--max-attempts", paramLabel = "N", description = "Try up to N times, each failure undone first")
    Integer maxAttempts;

    @Option(names = "--idempotency-key", paramLabel = "KEY",
            description = "Submitting again with the same key returns the first task (default: a new key each time)")
    String idempotencyKey;

    @Override
    public Integer call() throws IOException {
        Submission submission = Submission.of(topic, subtype).arguments(argumentsObject()).changes(keys);
        if (timeout != null) {
            submission.timeout(timeout);
        }
        if (queueTimeout != null) {
            submission.queueTimeout(queueTimeout);
        }
        if (maxAttempts != null) {
            submission.retryPolicy(Map.of("maxAttempts", maxAttempts));
        }
        if (idempotencyKey != null) {
            submission.idempotencyKey(idempotencyKey);
        }
        TaskHandle handle = client().submit(submission, wait ? waitFor : Duration.ZERO);
        if (!wait) {
            ObjectNode accepted = Output.JSON.createObjectNode().put("taskId", handle.taskId())
                    .put("idempotencyKey", handle.idempotencyKey()).put("duplicate", handle.duplicate());
            if (format() == Output.Format.table) {
                out().println(handle.taskId() + (handle.duplicate() ? "  (duplicate: the first task with this"
                        + " idempotency key)" : ""));
                out().flush();
            } else {
                Output.document(out(), format(), accepted);
            }
            return ExitCodes.OK;
        }
        try {
            TaskOutcome outcome = handle.await(waitFor);
            Outcomes.print(out(), format(), outcome);
            return ExitCodes.of(outcome.state());
        } catch (AwaitTimeoutException stillRunning) {
            err().println("task " + handle.taskId() + " is still " + stillRunning.lastState() + " after " + waitFor
                    + "; follow it with: stackl watch " + handle.taskId());
            err().flush();
            return ExitCodes.NOT_ENDED;
        }
    }

    private ObjectNode argumentsObject() throws IOException {
        ObjectNode object = Output.JSON.createObjectNode();
        if (file != null) {
            JsonNode read;
            if (file.equals("-")) {
                InputStream stdin = System.in;
                read = Output.YAML.readTree(stdin);
            } else {
                read = Output.YAML.readTree(Files.readString(Path.of(file)));
            }
            if (read == null || !read.isObject()) {
                throw new IllegalArgumentException("the arguments file must hold a JSON or YAML object");
            }
            object.setAll((ObjectNode) read);
        }
        arguments.forEach((name, value) -> object.set(name, jsonOrString(value)));
        return object;
    }

    /** {@code 3} is a number, {@code {"a":1}} an object, {@code true} a boolean; {@code web} (not JSON) a string. */
    static JsonNode jsonOrString(String value) {
        try {
            return Output.JSON.readTree(value);
        } catch (IOException notJson) {
            return Output.JSON.getNodeFactory().textNode(value);
        }
    }
}

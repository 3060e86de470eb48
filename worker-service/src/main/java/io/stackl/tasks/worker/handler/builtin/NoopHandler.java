package io.stackl.tasks.worker.handler.builtin;

import io.stackl.tasks.worker.handler.HandlerOutcome;
import io.stackl.tasks.worker.handler.TaskContext;
import io.stackl.tasks.worker.handler.TaskHandler;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Topic {@code noop}: does nothing and succeeds, echoing its arguments. For smoke tests and for measuring the system's
 * own overhead. Subtype {@code sleep} waits {@code arguments.ms} (honouring the deadline), subtype {@code fail} fails.
 */
@ApplicationScoped
public class NoopHandler implements TaskHandler {

    @Override
    public String topic() {
        return "noop";
    }

    @Override
    public Set<String> subtypes() {
        return Set.of("*");
    }

    @Override
    public HandlerOutcome handle(TaskContext context) throws InterruptedException {
        switch (context.subtype()) {
            case "sleep" -> Thread.sleep(context.arguments().path("ms").asLong(0));
            case "fail" -> {
                return HandlerOutcome.failure("REQUESTED_FAILURE", "the task asked to fail", false);
            }
            case "throw" -> throw new IllegalStateException("the task asked the handler to throw");
            default -> { }
        }
        return HandlerOutcome.success(context.arguments().toString());
    }
}

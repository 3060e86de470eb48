package io.stackl.tasks.worker.handler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The handler SPI: the computation of one kind of task. Implementations are CDI beans ({@code @ApplicationScoped});
 * the worker discovers them at start-up. Two handlers that claim the same topic and subtype fail the start-up.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #handle} returns a {@link HandlerOutcome}; a thrown exception counts as a retryable failure with
 *       code {@code HANDLER_EXCEPTION}.
 *   <li>It is interrupted at the task's deadline; it should stop promptly (blocking calls honour interrupts, or poll
 *       {@code Thread.interrupted()}); whatever it returns after the deadline is discarded.
 *   <li>Document changes go through {@link TaskContext#documents()}, never around it, so that they can be rolled
 *       back. An external action is preceded by {@link TaskContext#recordUndo}.
 *   <li>It may run again for the same task after a crash (at-least-once delivery of work items): use
 *       {@link TaskContext#idempotencyKey()} for side effects.
 * </ul>
 */
public interface TaskHandler {

    /** The task topic it serves, e.g. {@code document}. */
    String topic();

    /** The subtypes it serves within the topic, e.g. {@code put}, {@code delete}; {@code "*"} for all. */
    Set<String> subtypes();

    HandlerOutcome handle(TaskContext context) throws Exception;

    /**
     * Undoes one external action this handler recorded with {@link TaskContext#recordUndo}. Runs during rollback,
     * newest record first. Throwing, or returning false, marks the entry as failed and the rollback as
     * {@code ROLLBACK_FAILED}. The default has nothing to undo.
     */
    default boolean compensate(JsonNode undo, String taskId) throws Exception {
        return true;
    }

    /**
     * As {@link #compensate(JsonNode, String)}, with a key that names this one undo record ({@code
     * <taskId>:undo:<sequence>}) for an external service to deduplicate by: the same undo may be delivered again (a
     * rollback asked twice), and two undo records of one task are two different undos. Handlers that call services
     * with idempotency keys override this one; the default calls the other.
     */
    default boolean compensate(JsonNode undo, String taskId, String undoIdempotencyKey) throws Exception {
        return compensate(undo, taskId);
    }
}

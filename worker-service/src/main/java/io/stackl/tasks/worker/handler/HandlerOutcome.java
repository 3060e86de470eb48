package io.stackl.tasks.worker.handler;

/**
 * What a handler returns: an output (JSON), or a failure with a stable code, a message for humans, and whether the
 * same attempt could succeed if tried again. A handler that throws is treated as {@code failure("HANDLER_EXCEPTION",
 * ..., true)}.
 */
public sealed interface HandlerOutcome {

    record Success(String outputJson) implements HandlerOutcome {}

    record Failure(String code, String message, boolean retryable) implements HandlerOutcome {}

    static HandlerOutcome success(String outputJson) {
        return new Success(outputJson == null ? "null" : outputJson);
    }

    static HandlerOutcome failure(String code, String message, boolean retryable) {
        return new Failure(code, message, retryable);
    }
}

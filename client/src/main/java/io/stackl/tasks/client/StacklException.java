package io.stackl.tasks.client;

/** Anything that kept a call from getting an answer: the gateway unreachable, a broken stream, an interrupt. */
public class StacklException extends RuntimeException {

    public StacklException(String message, Throwable cause) {
        super(message, cause);
    }

    public StacklException(String message) {
        super(message);
    }
}

package io.stackl.tasks.infra;

/** A part of the local infrastructure could not start or stop; the message says which and why. */
public class InfrastructureException extends RuntimeException {

    public InfrastructureException(String message) {
        super(message);
    }

    public InfrastructureException(String message, Throwable cause) {
        super(message, cause);
    }
}

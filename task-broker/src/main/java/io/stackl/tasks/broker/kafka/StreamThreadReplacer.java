package io.stackl.tasks.broker.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * A stream thread that dies (an infrastructure error that Kafka Streams could not retry) is replaced rather than
 * shutting the broker down: bad records never get here (they go to the dead-letter topic), and a transient error
 * should cost a restart of one thread, with exactly-once intact, not the service.
 */
@ApplicationScoped
public class StreamThreadReplacer implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = Logger.getLogger(StreamThreadReplacer.class);

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        LOG.error("stream thread failed; replacing it", exception);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}

package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** The gateway could not take the call now (503), and still could not after the client's retries: Kafka or a backend is unreachable or slow. A submission may still have reached Kafka: submit it again with the same idempotency key. */
public class UnavailableException extends ProblemException {

    public UnavailableException(int status, String type, String title, String detail, JsonNode body, Duration retryAfter) {
        super(status, type, title, detail, body, retryAfter);
    }
}

package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** A request the gateway refused as invalid (400, 413): the body or a parameter. Not worth retrying unchanged. */
public class InvalidRequestException extends ProblemException {

    public InvalidRequestException(int status, String type, String title, String detail, JsonNode body, Duration retryAfter) {
        super(status, type, title, detail, body, retryAfter);
    }
}

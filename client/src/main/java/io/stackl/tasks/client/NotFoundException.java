package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** No such task or document (404). */
public class NotFoundException extends ProblemException {

    public NotFoundException(int status, String type, String title, String detail, JsonNode body, Duration retryAfter) {
        super(status, type, title, detail, body, retryAfter);
    }
}

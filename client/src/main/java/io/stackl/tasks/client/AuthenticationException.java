package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/** No or a wrong credential (401), or one that may not do this (403). */
public class AuthenticationException extends ProblemException {

    public AuthenticationException(int status, String type, String title, String detail, JsonNode body, Duration retryAfter) {
        super(status, type, title, detail, body, retryAfter);
    }
}

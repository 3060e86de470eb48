package io.stackl.tasks.infra;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service tokens of the internal APIs, made up afresh for each local infrastructure: one per caller of the
 * broker's and the history service's HTTP APIs, under the environment variables that both the called service and its
 * caller read (the services' READMEs, "Internal API").
 */
final class LocalServiceTokens {

    /** The gateway reading from the broker, brokers asking each other, the gateway reading history, workers writing. */
    static final List<String> VARIABLES = List.of("TASKS_BROKER_TOKEN_GATEWAY", "TASKS_BROKER_TOKEN_PEER",
            "TASKS_HISTORY_TOKEN_GATEWAY", "TASKS_HISTORY_TOKEN_WORKER");

    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalServiceTokens() {}

    static Map<String, String> generate() {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String variable : VARIABLES) {
            byte[] secret = new byte[32];
            RANDOM.nextBytes(secret);
            tokens.put(variable, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        }
        return Map.copyOf(tokens);
    }
}

package io.stackl.tasks.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP function the suite's workers call for tasks of topic {@code http}, as a user's function would be: it
 * answers 200 with {@code arguments.respond} as its body, verbatim (so a test can make a function return what a real
 * one might: a body with NUL, a body that is not JSON), 500 when {@code arguments.fail} is true, 503 while the
 * attempt (the number after the last ':' of the Idempotency-Key, {@code taskId:attempt}) is at most
 * {@code arguments.failAttempts} (a flaky function, for retries), or else echoes the arguments. {@code POST /undo} is its undo endpoint. It counts every call by path and {@code Idempotency-Key}, so
 * that the invariant checker can tell how often each action and each undo was executed.
 */
final class FunctionEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    FunctionEndpoint() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the function endpoint", e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread thread = new Thread(r, "function-endpoint");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", exchange -> {
            try (exchange) {
                JsonNode call = Suite.JSON.readTree(exchange.getRequestBody());
                String path = exchange.getRequestURI().getPath();
                calls.computeIfAbsent(path + " " + exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                        k -> new AtomicInteger()).incrementAndGet();
                JsonNode respond = call.path("arguments").path("respond");
                boolean fail = !path.startsWith("/undo") && call.path("arguments").path("fail").asBoolean(false);
                boolean flaky = !path.startsWith("/undo")
                        && attemptOf(exchange.getRequestHeaders().getFirst("Idempotency-Key"))
                                <= call.path("arguments").path("failAttempts").asInt(0);
                String body = respond.isTextual() ? respond.asText()
                        : "{\"echo\":" + call.path("arguments").toString() + "}";
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(fail ? 500 : flaky ? 503 : 200, bytes.length == 0 ? -1 : bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        });
        server.start();
    }

    private static int attemptOf(String idempotencyKey) {
        try {
            return Integer.parseInt(idempotencyKey.substring(idempotencyKey.lastIndexOf(':') + 1));
        } catch (RuntimeException notAnAttempt) {
            return Integer.MAX_VALUE;
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    String undoUrl() {
        return url() + "undo";
    }

    /** How many times the function was called with this Idempotency-Key (an action: {@code taskId:attempt}). */
    int actionCalls(String idempotencyKey) {
        AtomicInteger n = calls.get("/ " + idempotencyKey);
        return n == null ? 0 : n.get();
    }

    /** How many times the undo endpoint was called with this Idempotency-Key ({@code taskId:undo:sequence}). */
    int undoCalls(String idempotencyKey) {
        AtomicInteger n = calls.get("/undo " + idempotencyKey);
        return n == null ? 0 : n.get();
    }

    /** Every undo key the endpoint saw, for tasks whose id starts with {@code prefix}. */
    java.util.List<String> undoKeysOf(java.util.Collection<String> taskIds) {
        return calls.keySet().stream().filter(k -> k.startsWith("/undo "))
                .map(k -> k.substring("/undo ".length()))
                .filter(k -> taskIds.contains(k.substring(0, Math.max(0, k.indexOf(":undo")))))
                .toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

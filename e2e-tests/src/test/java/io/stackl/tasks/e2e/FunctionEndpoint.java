package io.stackl.tasks.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The HTTP function the suite's workers call for tasks of topic {@code http}, as a user's function would be: it
 * answers 200 with {@code arguments.respond} as its body, verbatim (so a test can make a function return what a real
 * one might: a body with NUL, a body that is not JSON), or else echoes the arguments.
 */
final class FunctionEndpoint implements AutoCloseable {

    private final HttpServer server;

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
                JsonNode respond = call.path("arguments").path("respond");
                String body = respond.isTextual() ? respond.asText()
                        : "{\"echo\":" + call.path("arguments").toString() + "}";
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package io.stackl.tasks.worker.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The start-up warm-up: a real request the history service answers with its read path, bounded, and never an error
 * (it runs beside the worker's start, which it must not hold up or stop).
 */
class HistoryClientWarmUpTest {

    @Test
    void warmUpReadsOneDocumentWithTheWorkersToken() throws IOException {
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            new HistoryClient("http://127.0.0.1:" + server.getAddress().getPort() + "/", "a-token\n").warmUp();
        } finally {
            server.stop(0);
        }
        // With the token: without it the history service would answer 401 before its document path runs.
        assertThat(seen).containsExactly("GET /documents/" + HistoryClient.WARM_UP_KEY + " Bearer a-token");
    }

    @Test
    @Timeout(30) // without a request timeout it would wait for good
    void warmUpOfAHistoryServiceThatNeverAnswersEndsWithinItsTimeout() throws IOException {
        // Connections are accepted into the backlog and never answered.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            HistoryClient client = new HistoryClient("http://127.0.0.1:" + silent.getLocalPort(), "a-token");
            long started = System.nanoTime();
            assertThatCode(client::warmUp).doesNotThrowAnyException();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(took).isLessThan(HistoryClient.WARM_UP_TIMEOUT.plusSeconds(5));
        }
    }

    @Test
    void warmUpOfAHistoryServiceThatIsNotThereEndsQuietly() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HistoryClient client = new HistoryClient("http://127.0.0.1:" + closedPort, "a-token");
        // The worker starts whether or not the history service is up yet.
        assertThatCode(client::warmUp).doesNotThrowAnyException();
    }
}

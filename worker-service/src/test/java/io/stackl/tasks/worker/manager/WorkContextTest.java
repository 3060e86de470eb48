package io.stackl.tasks.worker.manager;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import io.stackl.tasks.schema.WorkItem;
import io.stackl.tasks.schema.WorkKind;
import io.stackl.tasks.worker.handler.TaskContext.DocumentChange;
import io.stackl.tasks.worker.history.HistoryClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker of this version beside a history service of the version before it (a rolling upgrade that updates workers
 * first): that service has no batch endpoint, so the worker's batch falls back to one fenced call per change, and
 * asks for the endpoint only once. The server here answers as that older service did.
 */
class WorkContextTest {

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private HttpServer olderHistory;

    @BeforeEach
    void start() throws Exception {
        olderHistory = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        olderHistory.createContext("/", exchange -> {
            String method = exchange.getRequestMethod();
            requests.add(method + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getRequestBody().readAllBytes();
            int status = method.equals("POST") ? 404 : 200;
            byte[] body = (method.equals("PUT") ? "{\"version\":7}" : "{}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        olderHistory.start();
    }

    @AfterEach
    void stop() {
        olderHistory.stop(0);
    }

    @Test
    void shouldWriteOneChangeAtATimeWhenTheHistoryServiceHasNoBatchEndpoint() {
        WorkItem item = WorkItem.newBuilder().setTaskId("t-1").setKind(WorkKind.EXECUTE).setTopic("document")
                .setSubtype("batch").setArgumentsJson("{}").setChangedDocumentKeys(List.of("a", "b")).setAttempt(1)
                .setFencingToken(1).setDeadline(Instant.now().plusSeconds(30)).setDispatchedAt(Instant.now())
                .setIdempotencyKey("t-1:1").build();
        HistoryClient history = new HistoryClient("http://127.0.0.1:" + olderHistory.getAddress().getPort(),
                "the-workers-service-token");
        List<DocumentChange> changes = List.of(DocumentChange.put("a", JsonNodeFactory.instance.numberNode(1)),
                DocumentChange.delete("b"));

        List<Long> first = new WorkContext(item, history).documents().write(changes);
        List<Long> second = new WorkContext(item, history).documents().write(changes);

        assertThat(first).isEqualTo(Arrays.asList(7L, null)).isEqualTo(second);
        // Every call carries the workers' service token.
        String token = " Bearer the-workers-service-token";
        assertThat(requests).containsExactly("POST /tasks/t-1/document-writes" + token, "PUT /documents/a" + token,
                "DELETE /documents/b" + token, "PUT /documents/a" + token, "DELETE /documents/b" + token);
    }
}

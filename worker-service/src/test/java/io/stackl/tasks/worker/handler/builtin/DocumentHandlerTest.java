package io.stackl.tasks.worker.handler.builtin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.stackl.tasks.worker.handler.HandlerOutcome;
import io.stackl.tasks.worker.handler.TaskContext;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 7396 JSON merge patch, with the examples of its appendix A; batches split into calls. */
class DocumentHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode patch(String target, String patch) throws Exception {
        return DocumentHandler.mergePatch(JSON.readTree(target), JSON.readTree(patch));
    }

    @Test
    void shouldMergePatchAsRfc7396Says() throws Exception {
        assertThat(patch("{\"a\":\"b\"}", "{\"a\":\"c\"}")).isEqualTo(JSON.readTree("{\"a\":\"c\"}"));
        assertThat(patch("{\"a\":\"b\"}", "{\"b\":\"c\"}")).isEqualTo(JSON.readTree("{\"a\":\"b\",\"b\":\"c\"}"));
        assertThat(patch("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}")).isEqualTo(JSON.readTree("{\"b\":\"c\"}"));
        assertThat(patch("{\"a\":[\"b\"]}", "{\"a\":\"c\"}")).isEqualTo(JSON.readTree("{\"a\":\"c\"}"));
        assertThat(patch("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}"))
                .isEqualTo(JSON.readTree("{\"a\":{\"b\":\"d\"}}"));
        assertThat(patch("{\"a\":\"foo\"}", "[\"c\"]")).isEqualTo(JSON.readTree("[\"c\"]"));
        assertThat(patch("{\"e\":null}", "{\"a\":1}")).isEqualTo(JSON.readTree("{\"e\":null,\"a\":1}"));
    }

    /** A batch larger than one call of the history service takes goes out in calls it accepts, in order. */
    @Test
    void shouldSplitALargeBatchIntoCallsTheHistoryServiceAccepts() throws Exception {
        List<Integer> calls = new ArrayList<>();
        List<String> written = new ArrayList<>();
        TaskContext.Documents documents = new TaskContext.Documents() {
            @Override
            public JsonNode get(String key) {
                return null;
            }

            @Override
            public long put(String key, JsonNode value) {
                throw new AssertionError("a batch writes through write()");
            }

            @Override
            public void delete(String key) {
                throw new AssertionError("a batch writes through write()");
            }

            @Override
            public List<Long> write(List<TaskContext.DocumentChange> changes) {
                calls.add(changes.size());
                changes.forEach(c -> written.add(c.key()));
                return changes.stream().map(c -> 1L).toList();
            }
        };
        ArrayNode operations = JSON.createArrayNode();
        for (int i = 0; i < 2_500; i++) {
            operations.addObject().put("op", "put").put("key", "k" + i).putObject("value").put("n", i);
        }
        TaskContext context = (TaskContext) Proxy.newProxyInstance(TaskContext.class.getClassLoader(),
                new Class<?>[] {TaskContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "subtype" -> "batch";
                    case "arguments" -> JSON.createObjectNode().set("operations", operations);
                    case "documents" -> documents;
                    default -> throw new UnsupportedOperationException(method.getName());
                });

        HandlerOutcome outcome = new DocumentHandler().handle(context);

        assertThat(outcome).isInstanceOf(HandlerOutcome.Success.class);
        assertThat(calls).containsExactly(1_000, 1_000, 500);
        assertThat(written).hasSize(2_500).startsWith("k0", "k1").endsWith("k2499");
    }
}

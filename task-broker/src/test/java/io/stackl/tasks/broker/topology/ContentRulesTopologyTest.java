package io.stackl.tasks.broker.topology;

import static io.stackl.tasks.broker.topology.BrokerDriver.request;
import static io.stackl.tasks.schema.TaskState.DISPATCHED;
import static io.stackl.tasks.schema.TaskState.FAILED;
import static io.stackl.tasks.schema.TaskState.REJECTED;
import static io.stackl.tasks.schema.TaskState.ROLLING_BACK;
import static io.stackl.tasks.schema.TaskState.SUBMITTED;
import static io.stackl.tasks.schema.TaskState.SUCCEEDED;
import static io.stackl.tasks.schema.TaskState.WAITING_FOR_LOCKS;
import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.DeadLetters;
import io.stackl.tasks.schema.IncludedDocument;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.WorkItem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests produced straight onto Kafka with values that PostgreSQL could not store: the broker's intake rejects
 * them, with every string of the REJECTED event itself storable, and a normal task goes through right after.
 */
class ContentRulesTopologyTest {

    /** Checks the lifecycle invariants after each test, and closes. */
    @RegisterExtension
    final BrokerDriver broker = BrokerDriver.withDefaults();

    @Test
    void shouldRejectADeclaredKeyWithANulCharacterAndNameIt() {
        broker.submit(request("bad").setTopic("document").setSubtype("put")
                .setChangedDocumentKeys(List.of("a\u0000b")).build());

        TaskEvent rejected = single(broker.events());
        assertThat(rejected.getState()).isEqualTo(REJECTED);
        assertThat(rejected.getReason()).startsWith("INVALID_DOCUMENT_KEY: document key \"a\\u0000b\"")
                .contains("U+0000");
        assertThat(rejected.getRejectionCode()).isEqualTo(RejectionCode.INVALID_DOCUMENT_KEY);
        assertStorable(rejected);
        assertNormalTaskStillSucceeds();
    }

    @Test
    void shouldRejectEveryUnstorableFieldWithAStorableEvent() {
        broker.submit(request("k1").setChangedDocumentKeys(List.of("a\nb")).build());
        broker.submit(request("k2").setChangedDocumentKeys(List.of("x".repeat(513))).build());
        broker.submit(request("k3").setChangedDocumentKeys(List.of("cafe\u0301")).build());
        // (An unpaired surrogate cannot arrive here: a producer's Avro encoder writes it as '?'.)
        broker.submit(request("a1").setArgumentsJson("{\"v\":\"\\u0000\"}").build());
        broker.submit(request("a2").setArgumentsJson("{\"v\":1e999999}").build());
        broker.submit(request("a3").setArgumentsJson("{\"v\":" + "[".repeat(300) + "]".repeat(300) + "}").build());
        broker.submit(request("s1").setSubtype("run\u0000").build());
        broker.submit(request("s2").setSource("team\u0000a").build());
        broker.submit(request("i1").setIdempotencyKey("key\u0000x").build());
        broker.submit(request("t1").setTopic("no\u0000op").build());
        broker.submit(request("d1").setIncludedDocuments(List.of(IncludedDocument.newBuilder().setKey("ok")
                .setValueJson("{\"v\":\"\\u0000\"}").build())).build());

        List<TaskEvent> events = broker.events();
        assertThat(events).hasSize(11).extracting(TaskEvent::getState).containsOnly(REJECTED);
        events.forEach(ContentRulesTopologyTest::assertStorable);
        assertThat(events).extracting(TaskEvent::getTaskId)
                .containsExactly("k1", "k2", "k3", "a1", "a2", "a3", "s1", "s2", "i1", "t1", "d1");
        assertThat(events.get(2).getReason()).contains("normal form C");
        assertThat(events.get(8).getReason()).contains("idempotency key");
        assertThat(broker.work("noop")).isEmpty();
        assertNormalTaskStillSucceeds();
    }

    @Test
    void shouldDeadLetterARequestWhoseIdCannotNameATask() {
        broker.submit(request("id\u0000nul").build());

        assertThat(broker.events()).isEmpty();
        TestRecord<String, byte[]> dead = single(broker.deadLetters());
        String error = new String(dead.headers().lastHeader(DeadLetters.ERROR_MESSAGE).value(), StandardCharsets.UTF_8);
        assertThat(error).contains("task id").contains("U+0000");
        assertNormalTaskStillSucceeds();
    }

    @Test
    void shouldNotLetAnInvalidRequestTakeItsIdempotencyKey() {
        // Issue 20, finding 7: the corrected request with the same key must be admitted, not a CONFLICT.
        broker.submit(request("wrong").setIdempotencyKey("order-7").setChangedDocumentKeys(List.of("a\u0000")).build());
        broker.submit(request("right").setIdempotencyKey("order-7").setChangedDocumentKeys(List.of("a")).build());

        List<TaskEvent> events = broker.events();
        assertThat(events).filteredOn(e -> e.getTaskId().equals("wrong")).extracting(TaskEvent::getState)
                .containsExactly(REJECTED);
        assertThat(events).filteredOn(e -> e.getTaskId().equals("right")).extracting(TaskEvent::getState)
                .containsExactly(SUBMITTED, WAITING_FOR_LOCKS, DISPATCHED);
    }

    @Test
    void shouldFailATaskWhoseWorkerReturnedAnOutputThatCannotBeStored() {
        broker.submit(request("out").build());
        WorkItem item = single(broker.work("noop"));
        broker.events();

        broker.succeed(item, "{\"body\":\"\\u0000\"}");

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(FAILED, ROLLING_BACK);
        assertThat(events.get(0).getFailure().getCode()).isEqualTo("INVALID_OUTPUT");
        assertThat(events.get(0).getReason()).contains("U+0000");
        events.forEach(ContentRulesTopologyTest::assertStorable);
    }

    /** An exponent beyond what even BigDecimal holds must be a refusal, not an exception that stops the partition. */
    @Test
    void shouldFailATaskWhoseOutputHoldsAnUnrepresentableNumberAndGoOn() {
        broker.submit(request("huge").build());
        WorkItem item = single(broker.work("noop"));
        broker.events();

        broker.succeed(item, "{\"a\":1e9999999999}");

        List<TaskEvent> events = broker.events();
        assertThat(events).extracting(TaskEvent::getState).containsExactly(FAILED, ROLLING_BACK);
        assertThat(events.get(0).getFailure().getCode()).isEqualTo("INVALID_OUTPUT");
        assertNormalTaskStillSucceeds();
    }

    @Test
    void shouldStoreAFailureMessageWithANulCharacterMadeStorable() {
        broker.submit(request("msg").build());
        WorkItem item = single(broker.work("noop"));
        broker.events();

        broker.sendResult(BrokerDriver.result(item, false).setFailure(io.stackl.tasks.schema.TaskFailure.newBuilder()
                .setCode("HTTP_500").setMessage("upstream said \u0000").setRetryable(false).build()).build());

        List<TaskEvent> events = broker.events();
        assertThat(events.get(0).getState()).isEqualTo(FAILED);
        assertThat(events.get(0).getFailure().getMessage()).isEqualTo("upstream said \uFFFD");
        events.forEach(ContentRulesTopologyTest::assertStorable);
    }

    private void assertNormalTaskStillSucceeds() {
        String id = "normal-" + System.nanoTime();
        broker.submit(request(id).build());
        WorkItem item = single(broker.work("noop"));
        broker.succeed(item, "{\"ok\":true}");
        assertThat(broker.states(id)).containsExactly(SUBMITTED, DISPATCHED, SUCCEEDED);
    }

    /** Every string of the event passes the content rules, so the history service can store it. */
    private static void assertStorable(TaskEvent event) {
        for (String text : new String[] {event.getTaskId(), event.getTopic(), event.getSubtype(), event.getSource(),
                event.getReason(), event.getRelatedTaskId()}) {
            assertThat(ContentRules.textProblem("a field of " + event.getTaskId(), text)).isNull();
        }
        assertThat(ContentRules.jsonProblem("output", event.getOutputJson())).isNull();
        event.getChangedDocumentKeys().forEach(k -> assertThat(ContentRules.documentKeyProblem(k)).isNull());
        if (event.getFailure() != null) {
            assertThat(ContentRules.textProblem("failure", event.getFailure().getMessage())).isNull();
        }
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }
}

package io.stackl.tasks.history.consumer;

import static io.stackl.tasks.schema.ContentRules.storable;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskFailure;
import io.stackl.tasks.schema.TaskResult;
import java.sql.SQLException;

/**
 * Tells a record that the database refuses for what it holds (a content error: it will be refused every time, so it
 * must be set aside) from a database that cannot be reached or is busy (an infrastructure error: wait and try the
 * same records again). And makes a refused record storable, so that its task keeps a history and ends cleanly.
 */
final class ContentErrors {

    private ContentErrors() {}

    /**
     * SQLSTATE class 22 (data exception: invalid byte sequence, numeric overflow, bad text representation), 23
     * (integrity constraint violated by the values) and 54 (program limit exceeded: an index row or a nesting too
     * large) are the values' fault; so is a refusal of our own content rules. Everything else (class 08 connection,
     * 53 resources, 57 operator intervention, 40 serialization, a pool timeout without a state) is infrastructure.
     */
    static boolean isContent(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HistoryException refusal && refusal.status() == 400) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /**
     * The event with every string made storable, in place (the dead letter keeps the original bytes); an output that
     * is not storable JSON is kept as a JSON string. Setters, not Avro's copying builders: those deep-copy through
     * the class loader that loaded Avro, which need not be the application's.
     */
    static TaskEvent makeStorable(TaskEvent event) {
        event.setTaskId(storable(event.getTaskId()));
        event.setTopic(storable(event.getTopic()));
        event.setSubtype(storable(event.getSubtype()));
        event.setSource(storable(event.getSource()));
        event.setReason(storable(event.getReason()));
        event.setOutputJson(storableJson(event.getOutputJson()));
        makeStorable(event.getFailure());
        event.setChangedDocumentKeys(event.getChangedDocumentKeys().stream().map(ContentRules::storable).toList());
        event.setRelatedTaskId(storable(event.getRelatedTaskId()));
        return event;
    }

    static TaskResult makeStorable(TaskResult result) {
        result.setTaskId(storable(result.getTaskId()));
        result.setOutputJson(storableJson(result.getOutputJson()));
        makeStorable(result.getFailure());
        result.setWorkerId(storable(result.getWorkerId()));
        result.getCompensations().forEach(c -> makeStorable(c.getFailure()));
        return result;
    }

    private static void makeStorable(TaskFailure failure) {
        if (failure != null) {
            failure.setCode(storable(failure.getCode()));
            failure.setMessage(storable(failure.getMessage()));
        }
    }

    private static String storableJson(String json) {
        if (json == null || ContentRules.jsonProblem("output", json) == null) {
            return json;
        }
        return JsonNodeFactory.instance.textNode(storable(json)).toString();
    }
}

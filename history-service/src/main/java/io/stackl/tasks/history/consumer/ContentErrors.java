package io.stackl.tasks.history.consumer;

import static io.stackl.tasks.schema.ContentRules.storable;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.stackl.tasks.history.error.HistoryException;
import io.stackl.tasks.schema.CompensationOutcome;
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

    /** The event with every string made storable; an output that is not storable JSON is kept as a JSON string. */
    static TaskEvent storableCopy(TaskEvent event) {
        return TaskEvent.newBuilder(event)
                .setTaskId(storable(event.getTaskId()))
                .setTopic(storable(event.getTopic()))
                .setSubtype(storable(event.getSubtype()))
                .setSource(storable(event.getSource()))
                .setReason(storable(event.getReason()))
                .setOutputJson(storableJson(event.getOutputJson()))
                .setFailure(storableCopy(event.getFailure()))
                .setChangedDocumentKeys(event.getChangedDocumentKeys().stream().map(ContentRules::storable).toList())
                .setRelatedTaskId(storable(event.getRelatedTaskId()))
                .build();
    }

    static TaskResult storableCopy(TaskResult result) {
        return TaskResult.newBuilder(result)
                .setTaskId(storable(result.getTaskId()))
                .setOutputJson(storableJson(result.getOutputJson()))
                .setFailure(storableCopy(result.getFailure()))
                .setWorkerId(storable(result.getWorkerId()))
                .setCompensations(result.getCompensations().stream()
                        .map(c -> CompensationOutcome.newBuilder(c).setFailure(storableCopy(c.getFailure())).build())
                        .toList())
                .build();
    }

    private static TaskFailure storableCopy(TaskFailure failure) {
        return failure == null ? null : TaskFailure.newBuilder(failure).setCode(storable(failure.getCode()))
                .setMessage(storable(failure.getMessage())).build();
    }

    private static String storableJson(String json) {
        if (json == null || ContentRules.jsonProblem("output", json) == null) {
            return json;
        }
        return JsonNodeFactory.instance.textNode(storable(json)).toString();
    }
}

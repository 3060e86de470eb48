package io.stackl.tasks.gateway.resource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.stackl.tasks.gateway.service.TaskService;
import io.stackl.tasks.schema.TaskEvent;

/** A lifecycle event as the Server-Sent Event streams send it: one JSON object per event. */
final class EventJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EventJson() {}

    static String of(TaskEvent e) {
        return of(e, true);
    }

    /** @param withOutput false for the all-tasks stream, whose readers follow states, not results */
    static String of(TaskEvent e, boolean withOutput) {
        ObjectNode node = JSON.createObjectNode().put("taskId", e.getTaskId()).put("sequence", e.getSequence())
                .put("state", e.getState().toString()).put("occurredAt", e.getOccurredAt().toString())
                .put("topic", e.getTopic()).put("subtype", e.getSubtype()).put("source", e.getSource())
                .put("attempt", e.getAttempt()).put("reason", e.getReason());
        if (withOutput) {
            node.set("output", TaskService.parse(e.getOutputJson()));
        }
        node.put("rejectionCode", e.getRejectionCode() == null ? null : e.getRejectionCode().name());
        node.put("relatedTaskId", e.getRelatedTaskId());
        if (e.getFailure() != null) {
            node.putObject("failure").put("code", e.getFailure().getCode()).put("message", e.getFailure().getMessage())
                    .put("retryable", e.getFailure().getRetryable());
        }
        return node.toString();
    }
}

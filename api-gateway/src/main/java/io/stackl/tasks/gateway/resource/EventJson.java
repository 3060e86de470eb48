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
        ObjectNode node = JSON.createObjectNode().put("taskId", e.getTaskId()).put("sequence", e.getSequence())
                .put("state", e.getState().toString()).put("occurredAt", e.getOccurredAt().toString())
                .put("topic", e.getTopic()).put("subtype", e.getSubtype()).put("source", e.getSource())
                .put("attempt", e.getAttempt()).put("reason", e.getReason());
        node.set("output", TaskService.parse(e.getOutputJson()));
        if (e.getFailure() != null) {
            node.putObject("failure").put("code", e.getFailure().getCode()).put("message", e.getFailure().getMessage())
                    .put("retryable", e.getFailure().getRetryable());
        }
        return node.toString();
    }
}

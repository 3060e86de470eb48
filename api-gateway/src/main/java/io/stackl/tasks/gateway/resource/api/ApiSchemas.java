package io.stackl.tasks.gateway.resource.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The shapes of the gateway's answers, for the OpenAPI document only: the resources build their bodies as JSON (many
 * are passed on from the broker and the history service), so these records say what clients receive. A client
 * generated from {@code /q/openapi} gets these types. Keep them in step with the module README.
 */
public final class ApiSchemas {

    private ApiSchemas() {}

    @Schema(name = "TaskOutcome", description = "How a task ended, or that it is still running (202)")
    public record Outcome(
            @Schema(required = true) String taskId,
            @Schema(required = true, description = "SUCCEEDED, ROLLED_BACK, ROLLBACK_FAILED, REJECTED when ended;"
                    + " ACCEPTED or the current state on 202; DUPLICATE on 303",
                    examples = "SUCCEEDED") String state,
            @Schema(description = "Where to read the task", examples = "/tasks/5b0c3f0e-2a1d-4c55-9a43-0d6f1c1e2b7a")
            String location,
            @Schema(nullable = true, description = "What the task returned (SUCCEEDED): any JSON value")
            JsonNode output,
            @Schema(nullable = true) Failure failure,
            @Schema(nullable = true, description = "Why it ended so, in words",
                    examples = "REQUESTED_FAILURE: the task asked to fail") String reason,
            @Schema(nullable = true, description = "On REJECTED (GET /tasks/{id}/result of a live task): INVALID,"
                    + " INVALID_DOCUMENT_KEY, UNKNOWN_TOPIC, DUPLICATE or CONFLICT", examples = "DUPLICATE")
            String rejectionCode,
            @Schema(nullable = true, description = "On a DUPLICATE: the first task with that Idempotency-Key")
            String relatedTaskId) {}

    @Schema(name = "TaskFailure", description = "Why an attempt failed")
    public record Failure(
            @Schema(examples = "HTTP_503") String code,
            String message,
            @Schema(nullable = true) Boolean retryable) {}

    @Schema(name = "Task", description = "A task's state and timeline. Live tasks come from the broker (with lockKeys,"
            + " locksHeld, deadline, attempt); ended ones from the history (with updatedAt and rollback).")
    public record Task(
            @Schema(required = true) String taskId,
            @Schema(required = true, examples = "DISPATCHED") String state,
            String topic,
            String subtype,
            String source,
            int attempt,
            long fencingToken,
            List<String> lockKeys,
            int locksHeld,
            @Schema(description = "Live tasks only: each declared key, whether it is held, waited for or released, and"
                    + " how long the task waited for it")
            List<KeyLock> locks,
            Instant acceptedAt,
            Instant dispatchedAt,
            @Schema(nullable = true) Instant deadline,
            @Schema(nullable = true) String reason,
            @Schema(nullable = true, description = "Any JSON value") JsonNode output,
            @Schema(nullable = true, description = "While the broker holds the task (until about an hour after it"
                    + " ends; the history never stores arguments), and only for a client that may submit its topic")
            JsonNode arguments,
            @Schema(nullable = true) Failure failure,
            @Schema(description = "The lifecycle events the history service has recorded, in order")
            List<RecordedEvent> events,
            @Schema(description = "One entry per dispatch: when, by which worker, how it ended (ADR 0012)")
            List<JsonNode> attempts) {}

    @Schema(name = "TaskSummary", description = "A row of GET /tasks, newest change first")
    public record Summary(String taskId, String topic, String subtype, String source, String state, int lastSequence,
            Instant firstSeenAt, @Schema(description = "Pass the last row's as `before` for the next page")
            Instant updatedAt, boolean terminal) {}

    @Schema(name = "TaskEvent", description = "One step of a task's lifecycle (also each Server-Sent Event's data)")
    public record Event(String taskId, int sequence, @Schema(examples = "FAILED") String state, Instant occurredAt,
            String topic, String subtype, String source, int attempt, @Schema(nullable = true) String reason,
            @Schema(nullable = true, description = "Any JSON value; not sent on GET /events") JsonNode output,
            @Schema(nullable = true) Failure failure,
            @Schema(nullable = true, description = "On REJECTED: the code") String rejectionCode,
            @Schema(nullable = true, description = "On a DUPLICATE: the first task") String relatedTaskId) {}

    @Schema(name = "RecordedEvent", description = "An event of a task's timeline as the history service recorded it")
    public record RecordedEvent(int sequence, @Schema(examples = "DISPATCHED") String state, Instant occurredAt,
            int attempt, long fencingToken, @Schema(nullable = true) Instant deadline,
            @Schema(nullable = true) String reason, @Schema(nullable = true, description = "Any JSON value")
            JsonNode output, @Schema(nullable = true) String failureCode, @Schema(nullable = true) String failureMessage,
            @Schema(nullable = true) String relatedTaskId) {}

    @Schema(name = "Document", description = "A document's current value")
    public record Document(
            @Schema(examples = "stacks/web") String key,
            @Schema(description = "The stored JSON itself: any JSON value", examples = "{\"replicas\": 3}")
            JsonNode value,
            @Schema(description = "One more with every task that changed it") long version,
            Instant updatedAt,
            @Schema(description = "The task that wrote this version") String updatedBy,
            @Schema(deprecated = true, description = "The value as a string of JSON; goes in the next release")
            String valueJson) {}

    @Schema(name = "KeyLock", description = "One key a task declared, as the broker sees it")
    public record KeyLock(String key,
            @Schema(examples = "HELD", description = "HELD, WAITING, TRYING, NOT_ASKED; for an ended task RELEASED or"
                    + " NOT_HELD") String status,
            @Schema(nullable = true) Long epoch,
            @Schema(nullable = true) Instant grantedAt,
            @Schema(nullable = true, description = "From acceptance, or from the grant of the key before") Long waitedMs,
            @Schema(nullable = true) Instant waitingSince) {}

    @Schema(name = "DocumentSnapshot", description = "One write of a document by a task: the document before it, what"
            + " it left, and whether a rollback put the before back")
    public record Snapshot(String taskId, int seq, @Schema(examples = "DOCUMENT") String kind, String documentKey,
            @Schema(nullable = true, description = "Any JSON value; null if it did not exist")
            JsonNode preValue,
            @Schema(nullable = true) Long preVersion,
            @Schema(nullable = true, description = "Any JSON value: what the write left; null for a delete, or for a"
                    + " write recorded before post-images were kept (postDeleted null)") JsonNode postValue,
            @Schema(nullable = true) Long postVersion,
            @Schema(nullable = true, description = "true: the write deleted the document; null: not recorded")
            Boolean postDeleted,
            @Schema(nullable = true, description = "EXTERNAL: the handler that undoes the action") String handlerTopic,
            @Schema(nullable = true) String handlerSubtype,
            @Schema(nullable = true, description = "EXTERNAL: the undo record, any JSON value") JsonNode undo,
            long fencingToken, Instant takenAt,
            @Schema(nullable = true, description = "When a rollback put preValue back (or ran the undo)")
            Instant restoredAt,
            @Schema(nullable = true, description = "The version the restored value got") Long restoredVersion) {}

    @Schema(name = "Lock", description = "A document key's lock, live from the broker: who holds it, who waits")
    public record Lock(String key, @Schema(nullable = true) LockHolder holder, List<LockWaiter> waiters,
            String servedBy) {}

    @Schema(name = "LockHolder")
    public record LockHolder(String taskId, @Schema(nullable = true) Instant since, @Schema(nullable = true) Long heldMs) {}

    @Schema(name = "LockWaiter")
    public record LockWaiter(String taskId, @Schema(description = "1 is next") int position,
            @Schema(nullable = true) Instant since, @Schema(nullable = true) Long waitingMs) {}

    @Schema(name = "DeadLetter", description = "A record a component could not process, with why (its headers)")
    public record DeadLetter(int partition, long offset, Instant timestamp, @Schema(nullable = true) String key,
            @Schema(examples = "task-requests") String sourceTopic, Integer sourcePartition, Long sourceOffset,
            @Schema(examples = "task-broker") String failedBy, String errorClass, String errorMessage, int valueBytes,
            @Schema(description = "The first 512 bytes, as text or hex") String valuePreview,
            @Schema(examples = "utf-8") String valueEncoding, Map<String, String> otherHeaders) {}

    @Schema(name = "CancelRequested")
    public record CancelRequested(String taskId, @Schema(examples = "requested") String cancel) {}

    @Schema(name = "Problem", description = "RFC 9457 problem details: every error of every endpoint")
    public record Problem(
            @Schema(required = true, description = "Stable name to branch on", examples = "/problems/invalid-task")
            String type,
            @Schema(required = true, examples = "Invalid task") String title,
            @Schema(required = true, examples = "400") int status,
            @Schema(examples = "timeoutMs must be at most 86400000 ms, was 99999999999999999") String detail,
            @Schema(examples = "/tasks") String instance,
            @Schema(nullable = true, description = "The request field at fault", examples = "timeoutMs") String field,
            @Schema(nullable = true, description = "One entry per invalid field") List<FieldError> errors) {}

    @Schema(name = "FieldError")
    public record FieldError(@Schema(examples = "timeoutMs") String field,
            @Schema(examples = "must be a number") String message) {}
}

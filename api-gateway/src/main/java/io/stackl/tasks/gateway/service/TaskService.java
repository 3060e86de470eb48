package io.stackl.tasks.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.stackl.tasks.gateway.config.GatewayConfig;
import io.stackl.tasks.gateway.error.GatewayException;
import io.stackl.tasks.gateway.messaging.TaskEventHub;
import io.stackl.tasks.gateway.messaging.TaskSubmitter;
import io.stackl.tasks.gateway.query.Backends;
import io.stackl.tasks.schema.ContentRules;
import io.stackl.tasks.schema.IncludedDocument;
import io.stackl.tasks.schema.RejectionCode;
import io.stackl.tasks.schema.RejectionCodes;
import io.stackl.tasks.schema.RetryPolicy;
import io.stackl.tasks.schema.TaskCommand;
import io.stackl.tasks.schema.TaskCommandType;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.TaskStates;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's use cases. It holds no task logic: it builds the task, hands it to Kafka, waits (asynchronously,
 * bounded) for its end, and reports; reads come from the broker (live) or the history service (ended).
 */
@ApplicationScoped
public class TaskService {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayConfig config;
    private final TaskSubmitter submitter;
    private final TaskEventHub hub;
    private final Backends backends;
    private final Timer submitToResult;
    /** Tasks this instance handed to Kafka recently: a GET right after a 202 finds them even before the broker does. */
    private final Map<String, Instant> accepted = new ConcurrentHashMap<>();

    TaskService(GatewayConfig config, TaskSubmitter submitter, TaskEventHub hub, Backends backends,
            MeterRegistry registry) {
        this.config = config;
        this.submitter = submitter;
        this.hub = hub;
        this.backends = backends;
        this.submitToResult = Timer.builder("tasks.gateway.submit.to.result")
                .description("From submission to the terminal state, for submissions that waited for it")
                .publishPercentileHistogram().register(registry);
        registry.gauge("tasks.gateway.open.waits", hub, TaskEventHub::open);
    }

    /** The outcome of a submission: ended within the wait (with its terminal event), or still running. */
    public record Submitted(String taskId, TaskEvent terminal, TaskState lastState) {}

    public CompletionStage<Submitted> submit(SubmitRequest body, String idempotencyKey, Duration wait, String source) {
        String arguments = body.arguments() == null ? "{}" : body.arguments().toString();
        if (body.arguments() != null && !body.arguments().isObject()) {
            throw GatewayException.invalid("arguments must be a JSON object", Map.of("field", "arguments"));
        }
        if (arguments.length() > config.maxArgumentsBytes()) {
            throw GatewayException.invalid("arguments are " + arguments.length() + " bytes; at most "
                    + config.maxArgumentsBytes() + " are accepted", Map.of("field", "arguments"));
        }
        refuseOverMaximum("queueTimeoutMs", body.queueTimeoutMs(), config.maxQueueTimeout());
        refuseOverMaximum("timeoutMs", body.timeoutMs(), config.maxTimeout());
        refuseWhatCannotBeStored(body, arguments, idempotencyKey, source);
        RetryPolicy retryPolicy = body.retryPolicy() == null ? null : body.retryPolicy().toRecord();
        if (retryPolicy != null && retryPolicy.getMaxBackoffMs() < retryPolicy.getInitialBackoffMs()) {
            throw GatewayException.invalid("retryPolicy.maxBackoffMs (" + retryPolicy.getMaxBackoffMs()
                    + ") must be at least retryPolicy.initialBackoffMs (" + retryPolicy.getInitialBackoffMs() + ")",
                    Map.of("field", "retryPolicy.maxBackoffMs"));
        }
        List<String> changedKeys = body.changedDocumentKeys() == null ? List.of() : body.changedDocumentKeys();
        String taskId = submitter.newTaskId(changedKeys);
        TaskRequest request = TaskRequest.newBuilder()
                .setId(taskId).setTopic(body.topic()).setSubtype(body.subtype()).setSource(source)
                .setArgumentsJson(arguments)
                .setIncludedDocuments(body.includedDocuments() == null ? List.of() : body.includedDocuments().entrySet()
                        .stream().map(e -> IncludedDocument.newBuilder().setKey(e.getKey())
                                .setValueJson(e.getValue() == null ? null : e.getValue().toString()).build()).toList())
                .setChangedDocumentKeys(changedKeys)
                .setQueueTimeoutMs(body.queueTimeoutMs()).setExecutionTimeoutMs(body.timeoutMs())
                .setIdempotencyKey(idempotencyKey).setSubmittedAt(Instant.now()).setRetryPolicy(retryPolicy).build();
        Duration bound = bound(wait, body);
        CompletableFuture<TaskEvent> terminal = new CompletableFuture<>();
        TaskState[] last = {null};
        // Listen before sending, so that an event cannot arrive unheard.
        AutoCloseable listening = hub.listen(taskId, event -> {
            last[0] = event.getState();
            if (TaskStates.isTerminal(event.getState())) {
                terminal.complete(event);
            }
        });
        long started = System.nanoTime();
        return submitter.submit(request)
                .whenComplete((ok, error) -> {
                    if (error == null) {
                        remember(taskId);
                    }
                })
                .thenCompose(ok -> terminal.completeOnTimeout(null, bound.toMillis(), TimeUnit.MILLISECONDS))
                .whenComplete((event, error) -> {
                    closeQuietly(listening);
                    if (event != null) {
                        submitToResult.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    }
                })
                .thenApply(event -> new Submitted(taskId, event, last[0]));
    }

    /**
     * The content rules (docs/content-rules.md) that the broker applies again at its intake: everything of the request
     * that reaches PostgreSQL is checked here, so that the client hears why at once, as a 400 naming the field.
     */
    private static void refuseWhatCannotBeStored(SubmitRequest body, String arguments, String idempotencyKey,
            String source) {
        List<String> keys = body.changedDocumentKeys() == null ? List.of() : body.changedDocumentKeys();
        for (int i = 0; i < keys.size(); i++) {
            String problem = ContentRules.documentKeyProblem(keys.get(i));
            if (problem != null) {
                throw GatewayException.invalid(problem, extras("changedDocumentKeys[" + i + "]", keys.get(i)));
            }
        }
        if (body.includedDocuments() != null) {
            for (Map.Entry<String, JsonNode> document : body.includedDocuments().entrySet()) {
                String problem = ContentRules.documentKeyProblem(document.getKey());
                if (problem == null && document.getValue() != null) {
                    problem = ContentRules.jsonProblem("the included document " + ContentRules.quote(document.getKey()),
                            document.getValue().toString());
                }
                if (problem != null) {
                    throw GatewayException.invalid(problem, extras("includedDocuments", document.getKey()));
                }
            }
        }
        // Numbers reach here exactly as sent (ExactJsonNumbers), so a huge exponent is seen, not turned into Infinity.
        String problem = ContentRules.jsonProblem("arguments", arguments);
        if (problem != null) {
            throw GatewayException.invalid(problem, Map.of("field", "arguments"));
        }
        problem = ContentRules.nameProblem("the subtype", body.subtype(), ContentRules.MAX_NAME_CHARS);
        if (problem != null) {
            throw GatewayException.invalid(problem, Map.of("field", "subtype"));
        }
        problem = ContentRules.nameProblem("the Idempotency-Key", idempotencyKey, ContentRules.MAX_NAME_CHARS);
        if (problem != null) {
            throw GatewayException.invalid(problem, Map.of("field", "Idempotency-Key"));
        }
        problem = ContentRules.nameProblem("the client name", source, ContentRules.MAX_NAME_CHARS);
        if (problem != null) {
            // The configured client name is what the task's source becomes; a bad one is the operator's to fix.
            throw GatewayException.invalid(problem + " (fix the gateway's API key configuration)",
                    Map.of("field", "source"));
        }
    }

    private static Map<String, Object> extras(String field, String key) {
        Map<String, Object> extras = new java.util.LinkedHashMap<>();
        extras.put("field", field);
        extras.put("key", key == null ? "" : key);
        return extras;
    }

    private final java.util.concurrent.atomic.AtomicLong submissions = new java.util.concurrent.atomic.AtomicLong();

    private void remember(String taskId) {
        Instant now = Instant.now();
        accepted.put(taskId, now);
        if (submissions.incrementAndGet() % 1_000 == 0) {
            // By then the broker or the history service answers for the task; forget it.
            accepted.values().removeIf(at -> at.isBefore(now.minus(Duration.ofHours(1))));
        }
    }

    /** The wait: what the client asked, at most the configured maximum and the task's own timeouts. */
    private Duration bound(Duration requested, SubmitRequest body) {
        Duration bound = requested.compareTo(config.maxWait()) > 0 ? config.maxWait() : requested;
        if (body.queueTimeoutMs() != null && body.timeoutMs() != null) {
            Duration own = Duration.ofMillis(body.queueTimeoutMs() + body.timeoutMs());
            bound = bound.compareTo(own) > 0 ? own : bound;
        }
        return bound.isNegative() ? Duration.ZERO : bound;
    }

    public CompletionStage<Void> cancel(String taskId, String reason, String requestedBy) {
        return submitter.command(TaskCommand.newBuilder().setTaskId(taskId).setCommand(TaskCommandType.CANCEL)
                .setReason(reason).setRequestedBy(requestedBy).setRequestedAt(Instant.now()).build());
    }

    private static void refuseOverMaximum(String field, Long millis, Duration max) {
        if (millis != null && millis > max.toMillis()) {
            String message = "must be at most " + max.toMillis() + " ms, was " + millis;
            throw GatewayException.invalid(field + " " + message,
                    Map.of("field", field, "errors", List.of(Map.of("field", field, "message", message))));
        }
    }

    /** Live state from the broker, else the history; a task this instance just accepted is never "not found". */
    public CompletionStage<Backends.Answer> find(String taskId) {
        return backends.broker("/tasks/" + encode(taskId)).thenCompose(live -> {
            if (live.status() == 200) {
                // The live state, with the timeline the history service has recorded so far.
                return backends.history("/tasks/" + encode(taskId)).thenApply(recorded -> withTimeline(live, recorded));
            }
            if (live.status() != 404) {
                return CompletableFuture.completedFuture(live);
            }
            return backends.history("/tasks/" + encode(taskId)).thenApply(ended -> {
                if (ended.status() != 404) {
                    return ended;
                }
                Instant at = accepted.get(taskId);
                if (at != null && at.isAfter(Instant.now().minus(Duration.ofHours(1)))) {
                    ObjectNode queued = JSON.createObjectNode().put("taskId", taskId).put("state", "ACCEPTED")
                            .put("detail", "Kafka holds the task; the broker has not taken it up yet")
                            .put("acceptedAt", at.toString());
                    return new Backends.Answer(200, "application/json", queued.toString());
                }
                throw GatewayException.notFound(taskId);
            });
        });
    }

    /**
     * A task's result once it has ended: {@code {taskId, state, output, failure, reason}}; 409
     * {@code /problems/result-not-ready} while it runs; what {@link #find} answers when it cannot be read.
     */
    public CompletionStage<Backends.Answer> result(String taskId) {
        return find(taskId).thenApply(answer -> {
            if (answer.status() != 200) {
                return answer;
            }
            JsonNode task = parse(answer.body());
            String state = task.path("state").asText();
            if (!TaskStates.isTerminal(state)) {
                throw new GatewayException(409, "/problems/result-not-ready", "Result not ready",
                        "Task " + taskId + " is " + state + "; its result exists once it has ended",
                        Map.of("taskId", taskId, "state", state), 1);
            }
            ObjectNode result = JSON.createObjectNode().put("taskId", taskId).put("state", state);
            if (task.has("output")) {
                // The broker's live state (see withTimeline).
                result.set("output", task.get("output"));
                result.set("failure", task.get("failure"));
                result.put("reason", task.path("reason").asText(null));
                result.put("rejectionCode", task.path("rejectionCode").asText(null));
                result.put("relatedTaskId", task.path("relatedTaskId").asText(null));
            } else {
                // The history's: the terminal event carries the outcome.
                JsonNode end = terminalEvent(task.path("events"));
                result.set("output", end.get("output"));
                if (end.hasNonNull("failureCode")) {
                    result.putObject("failure").put("code", end.path("failureCode").asText())
                            .put("message", end.path("failureMessage").asText(null));
                } else {
                    result.putNull("failure");
                }
                result.put("reason", end.path("reason").asText(null));
                // The history keeps no code: the broker writes every rejection reason as "CODE: sentence" (ADR 0010).
                result.put("rejectionCode",
                        "REJECTED".equals(state) ? knownCode(end.path("reason").asText(null)) : null);
                result.put("relatedTaskId", end.path("relatedTaskId").asText(null));
            }
            return new Backends.Answer(200, "application/json", result.toString());
        });
    }

    /** The state a task ended in; null while it is live (or only accepted). Fails as {@link #find} does. */
    public CompletionStage<String> endedState(String taskId) {
        return find(taskId).thenApply(answer -> {
            if (answer.status() != 200) {
                return null;
            }
            String state = parse(answer.body()).path("state").asText();
            return TaskStates.isTerminal(state) ? state : null;
        });
    }

    private static String knownCode(String reason) {
        RejectionCode code = RejectionCodes.of(reason);
        return code == RejectionCode.UNKNOWN ? null : code.name();
    }

    private static JsonNode terminalEvent(JsonNode events) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (TaskStates.isTerminal(events.get(i).path("state").asText(null))) {
                return events.get(i);
            }
        }
        return JSON.createObjectNode();
    }

    /**
     * The broker's live state as clients get it: its output as JSON ({@code output}, not the broker's {@code outputJson}
     * string), with the events, attempts and rollback the history service has recorded so far.
     */
    private static Backends.Answer withTimeline(Backends.Answer live, Backends.Answer recorded) {
        JsonNode state = parse(live.body());
        JsonNode history = recorded.status() == 200 ? parse(recorded.body()) : null;
        if (!(state instanceof ObjectNode merged)) {
            return live;
        }
        JsonNode outputJson = merged.remove("outputJson");
        merged.set("output", outputJson == null || outputJson.isNull() ? null : parse(outputJson.asText()));
        JsonNode argumentsJson = merged.remove("argumentsJson");
        merged.set("arguments", argumentsJson == null || argumentsJson.isNull() ? null
                : parse(argumentsJson.asText()));
        merged.set("events", history == null || history.get("events") == null
                ? JSON.createArrayNode() : history.get("events"));
        merged.set("attempts", history == null || history.get("attempts") == null
                ? JSON.createArrayNode() : history.get("attempts"));
        // The rollback as the history service ran it (what it restored, how it ended), once there is one.
        merged.set("rollback", history == null ? null : history.get("rollback"));
        return new Backends.Answer(200, "application/json", merged.toString());
    }

    public CompletionStage<Backends.Answer> history(String pathAndQuery) {
        return backends.history(pathAndQuery);
    }

    public CompletionStage<Backends.Answer> broker(String pathAndQuery) {
        return backends.broker(pathAndQuery);
    }

    public AutoCloseable listen(String taskId, java.util.function.Consumer<TaskEvent> listener) {
        return hub.listen(taskId, listener);
    }

    public static JsonNode parse(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (java.io.IOException e) {
            return JSON.getNodeFactory().textNode(json);
        }
    }

    public static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Removing a listener cannot fail in a way the caller could act on.
        }
    }
}

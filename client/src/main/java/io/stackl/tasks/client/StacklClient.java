package io.stackl.tasks.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The Stackl Tasks gateway's REST API for Java programs. Thread-safe; build one per gateway and share it.
 *
 * <pre>{@code
 * StacklClient stackl = StacklClient.builder().baseUrl("http://127.0.0.1:8080").apiKey(System.getenv("STACKL_API_KEY"))
 *         .build();
 * TaskOutcome outcome = stackl.submit(Submission.of("document", "put")
 *                 .argument("key", "stacks/web").argument("value", Map.of("replicas", 3)).changes("stacks/web"))
 *         .await(Duration.ofSeconds(30));
 * }</pre>
 *
 * <p>Every refusal is a {@link ProblemException} (by status: {@link InvalidRequestException},
 * {@link AuthenticationException}, {@link NotFoundException}, {@link UnavailableException}) carrying the problem type;
 * a gateway that cannot be reached is a {@link StacklException}. A 503 (Kafka or a backend unreachable: nothing was
 * accepted) is tried again after its {@code Retry-After}, up to {@link Builder#maxRetries} times; so is a refused
 * connection. Retrying a submission is safe because every submission carries an idempotency key: the caller's, or
 * one the client makes up.
 */
public final class StacklClient implements AutoCloseable {

    /** The longest wait the gateway grants a single request by default ({@code tasks.gateway.max-wait}). */
    private static final Duration SERVER_WAIT = Duration.ofSeconds(60);
    /** The least time a request is given, even when the caller's deadline is closer. */
    private static final Duration MIN_REQUEST_TIME = Duration.ofMillis(250);
    /** How long a task just submitted may be unknown to the gateway asked (another replica accepted it). */
    private static final Duration NOT_YET_KNOWN = Duration.ofSeconds(10);
    /** How long a watch of a task that has already ended waits for the history service to record its last events. */
    private static final Duration RECORDING_LAG = Duration.ofSeconds(10);

    private final URI base;
    private final String authorization;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final Duration maxRetryDelay;
    private final HttpClient http;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "stackl-client-timer");
        thread.setDaemon(true);
        return thread;
    });

    private StacklClient(Builder builder) {
        String url = Objects.requireNonNull(builder.baseUrl, "baseUrl");
        this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        this.authorization = builder.apiKey != null ? "ApiKey " + builder.apiKey
                : builder.bearerToken != null ? "Bearer " + builder.bearerToken : null;
        this.requestTimeout = builder.requestTimeout;
        this.maxRetries = builder.maxRetries;
        this.maxRetryDelay = builder.maxRetryDelay;
        this.http = HttpClient.newBuilder().connectTimeout(builder.connectTimeout)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The gateway's base URL, without a trailing slash. */
    public URI baseUrl() {
        return base;
    }

    // ---- Tasks ----

    /** Submits a task and returns at once: the task is accepted (on Kafka), not yet done. */
    public TaskHandle submit(Submission submission) {
        return submit(submission, Duration.ZERO);
    }

    /**
     * Submits a task and lets the gateway wait up to {@code wait} (at most its {@code max-wait}, 60 s by default) for
     * it to end: the handle then already holds the outcome, and {@link TaskHandle#await} returns it at once.
     */
    public TaskHandle submit(Submission submission, Duration wait) {
        String key = submission.idempotencyKey() != null ? submission.idempotencyKey() : UUID.randomUUID().toString();
        long waitMs = Math.min(wait.toMillis(), SERVER_WAIT.toMillis());
        String seconds = waitMs % 1000 == 0 ? String.valueOf(waitMs / 1000) : String.valueOf(waitMs / 1000.0);
        Reply reply = send(HttpRequest.newBuilder(uri("/tasks?wait=" + seconds))
                .header("Content-Type", "application/json").header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(submission.body().toString())),
                Duration.ofMillis(waitMs).plus(requestTimeout));
        JsonNode body = reply.body();
        return switch (reply.status()) {
            case 200 -> new TaskHandle(this, Json.text(body, "taskId"), key, false, TaskOutcome.of(body));
            case 202 -> new TaskHandle(this, Json.text(body, "taskId"), key, false, null);
            // The key was used before: the answer is the first task.
            case 303 -> new TaskHandle(this, Json.text(body, "taskId"), key, true, null);
            default -> throw new StacklException("unexpected " + reply.status() + " to a submission: " + body);
        };
    }

    /** Submits a task and waits until it ends, up to {@code timeout}. */
    public TaskOutcome run(Submission submission, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        TaskHandle handle = submit(submission, timeout);
        return handle.await(remaining(deadline));
    }

    /** The task's state, its events so far, attempts, locks and rollback. */
    public Task get(String taskId) {
        return Task.of(read("/tasks/" + segment(taskId)).body());
    }

    /**
     * How the task ended.
     *
     * @throws ProblemException 409 {@code /problems/result-not-ready} while it runs
     */
    public TaskOutcome result(String taskId) {
        return TaskOutcome.of(read("/tasks/" + segment(taskId) + "/result").body());
    }

    /**
     * Waits until the task ends and says how: follows its events as they happen (Server-Sent Events), without polling.
     * A task that turns out to repeat an idempotency key (a retry of a submission whose first answer was lost, decided by
     * the broker after the gateway had answered 202) is followed to the first task with that key: the outcome is that
     * task's.
     *
     * @throws AwaitTimeoutException if it has not ended within {@code timeout}
     */
    public TaskOutcome await(String taskId, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        TaskOutcome outcome = awaitOne(taskId, deadline, timeout);
        return outcome.duplicate() ? awaitOne(outcome.relatedTaskId(), deadline, timeout) : outcome;
    }

    private TaskOutcome awaitOne(String taskId, Instant deadline, Duration timeout) {
        TaskState last = TaskState.UNKNOWN;
        Instant unknownUntil = min(Instant.now().plus(NOT_YET_KNOWN), deadline);
        while (true) {
            try {
                return TaskOutcome.of(read("/tasks/" + segment(taskId) + "/result", deadline).body());
            } catch (UnavailableException stillUnavailable) {
                // The broker rebalancing, say: the task is safe in Kafka; wait on until the deadline.
            } catch (NotFoundException notFound) {
                // Only the gateway instance that accepted a task knows it before the broker takes it up; behind a load
                // balancer another one may be asked first.
                if (!Instant.now().isBefore(unknownUntil)) {
                    throw notFound;
                }
            } catch (ProblemException notYet) {
                if (notYet.status() != 409) {
                    throw notYet;
                }
                last = TaskState.of(notYet.body() == null ? null : Json.text(notYet.body(), "state"));
            } catch (StacklException timedOutOrBroken) {
                // A read cut short by the deadline, or a connection reset by a gateway restarting: the task goes on.
                if (!Instant.now().isBefore(deadline)) {
                    throw new AwaitTimeoutException(taskId, last, timeout);
                }
                sleep(Duration.ofMillis(Math.min(200, remaining(deadline).toMillis())));
                continue;
            }
            if (!Instant.now().isBefore(deadline)) {
                throw new AwaitTimeoutException(taskId, last, timeout);
            }
            TaskEvent end = streamOrNull("/tasks/" + segment(taskId) + "/events", event -> { }, deadline,
                    event -> event.state().isTerminal(), () -> null);
            if (end == null) {
                // The stream ended early (a gateway restart, say), or the terminal state is not yet readable: look
                // again shortly.
                sleep(Duration.ofMillis(Math.min(200, Math.max(0, remaining(deadline).toMillis()))));
            }
        }
    }

    /**
     * Hands each of the task's lifecycle events to {@code listener} as it happens, until the task ends; returns the
     * terminal event. A task that had already ended is reported by its recorded timeline; only if the history
     * service has not recorded its end within seconds, by one event holding its terminal state.
     *
     * @throws AwaitTimeoutException if it has not ended within {@code timeout}
     */
    public TaskEvent watch(String taskId, Consumer<TaskEvent> listener, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        TaskEvent end = watchOne(taskId, listener, deadline, timeout);
        // A repeat of an idempotency key (see await): follow the first task with that key. An event from the recorded
        // timeline carries no rejection code; the task's result does.
        String first = end.duplicate() ? end.relatedTaskId() : null;
        if (first == null && end.state() == TaskState.REJECTED) {
            try {
                TaskOutcome outcome = TaskOutcome.of(read("/tasks/" + segment(taskId) + "/result", deadline).body());
                first = outcome.duplicate() ? outcome.relatedTaskId() : null;
            } catch (StacklException unreadable) {
                first = null;
            }
        }
        return first != null ? watchOne(first, listener, deadline, timeout) : end;
    }

    private TaskEvent watchOne(String taskId, Consumer<TaskEvent> listener, Instant deadline, Duration timeout) {
        // Each event once, in order: those recorded before the stream opened come from the task's timeline, the rest
        // from the stream; the two overlap by a few, told apart by sequence.
        int[] seen = {0};
        TaskState[] last = {TaskState.UNKNOWN};
        Predicate<TaskEvent> fresh = event -> event.sequence() == 0 ? !last[0].isTerminal() : event.sequence() > seen[0];
        Consumer<TaskEvent> once = event -> {
            if (fresh.test(event)) {
                seen[0] = Math.max(seen[0], event.sequence());
                last[0] = event.state();
                listener.accept(event);
            }
        };
        Supplier<TaskEvent> recordedSoFar = () -> {
            try {
                List<TaskEvent> recorded = Task.of(read("/tasks/" + segment(taskId), deadline).body()).events();
                recorded.forEach(once);
                return recorded.isEmpty() ? null : recorded.get(recorded.size() - 1);
            } catch (NotFoundException | UnavailableException notYetRecorded) {
                return null;
            } catch (StacklException timedOutOrBroken) {
                // The stream itself carries what happens from now on.
                return null;
            }
        };
        Consumer<TaskEvent> streamed = event -> {
            if (event.sequence() == 0 && event.state().isTerminal() && !last[0].isTerminal()) {
                // The gateway's "it had already ended", which carries no timeline. The history service records events
                // a moment after they happen, so its timeline may still lack the last ones: read it again until it
                // holds the end (briefly), and hand over this bare terminal event only if it never does.
                Instant patience = min(deadline, Instant.now().plus(RECORDING_LAG));
                while (!last[0].isTerminal() && Instant.now().isBefore(patience)) {
                    recordedSoFar.get();
                    if (!last[0].isTerminal()) {
                        sleep(Duration.ofMillis(Math.min(100, Math.max(0, Duration.between(Instant.now(), patience)
                                .toMillis()))));
                    }
                }
            }
            once.accept(event);
        };
        while (Instant.now().isBefore(deadline)) {
            TaskEvent end = streamOrNull("/tasks/" + segment(taskId) + "/events", streamed, deadline,
                    event -> event.state().isTerminal(), recordedSoFar);
            if (end != null) {
                return end;
            }
            sleep(Duration.ofMillis(Math.min(200, Math.max(0, remaining(deadline).toMillis()))));
        }
        throw new AwaitTimeoutException(taskId, last[0], timeout);
    }

    /**
     * Hands every task's lifecycle events to {@code listener} as they happen (only those of {@code topic} and
     * {@code source} when not null), for {@code duration} or until the thread is interrupted. Events are not replayed:
     * it starts with the next one. If the stream breaks, it connects again (events in between are missed).
     */
    public void tail(String topic, String source, Consumer<TaskEvent> listener, Duration duration) {
        Instant deadline = Instant.now().plus(duration);
        List<String> query = new ArrayList<>();
        if (topic != null) {
            query.add("topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8));
        }
        if (source != null) {
            query.add("source=" + URLEncoder.encode(source, StandardCharsets.UTF_8));
        }
        String path = "/events" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        while (Instant.now().isBefore(deadline) && !Thread.currentThread().isInterrupted()) {
            streamOrNull(path, listener, deadline, event -> false, () -> null);
            sleep(Duration.ofMillis(Math.min(500, Math.max(0, remaining(deadline).toMillis()))));
        }
    }

    /** Asks for the task to be cancelled; it is rolled back, and its outcome says so. */
    public void cancel(String taskId, String reason) {
        String query = reason == null ? "" : "?reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8);
        send(HttpRequest.newBuilder(uri("/tasks/" + segment(taskId) + query)).DELETE(), requestTimeout);
    }

    /** Tasks by state, topic and time, newest change first. */
    public List<Task> list(TaskQuery query) {
        List<Task> tasks = new ArrayList<>();
        for (JsonNode task : read("/tasks?" + query.queryString()).body()) {
            tasks.add(Task.of(task));
        }
        return tasks;
    }

    // ---- Documents ----

    /** The document's current value; empty if no task ever wrote it, or its last writer deleted it. */
    public Optional<Document> document(String key) {
        try {
            return Optional.of(Document.of(read("/documents/" + keyPath(key)).body()));
        } catch (NotFoundException absent) {
            return Optional.empty();
        }
    }

    /** Documents whose key starts with {@code prefix}, in key order, after {@code after} (null: from the first). */
    public List<Document> documents(String prefix, String after, int limit) {
        StringBuilder path = new StringBuilder("/documents?prefix=")
                .append(URLEncoder.encode(prefix == null ? "" : prefix, StandardCharsets.UTF_8)).append("&limit=")
                .append(limit);
        if (after != null) {
            path.append("&after=").append(URLEncoder.encode(after, StandardCharsets.UTF_8));
        }
        List<Document> documents = new ArrayList<>();
        for (JsonNode document : read(path.toString()).body()) {
            documents.add(Document.of(document));
        }
        return documents;
    }

    /** The changes tasks made to the document, newest first: the value before each, and whether it was restored. */
    public List<DocumentChange> documentHistory(String key, int limit) {
        List<DocumentChange> changes = new ArrayList<>();
        for (JsonNode change : read("/documents/-/snapshots?key=" + URLEncoder.encode(key, StandardCharsets.UTF_8)
                + "&limit=" + limit).body()) {
            changes.add(DocumentChange.of(change));
        }
        return changes;
    }

    /**
     * Releases the client's timer thread. Streams already open still end at their deadlines (their closers run); new
     * calls that stream fail.
     */
    @Override
    public void close() {
        timers.shutdown();
    }

    // ---- HTTP ----

    private record Reply(int status, HttpHeaders headers, JsonNode body) {}

    private Reply read(String pathAndQuery) {
        return read(pathAndQuery, null);
    }

    /** A GET whose retries and timeout end at {@code deadline} (null: no deadline but the client's own). */
    private Reply read(String pathAndQuery, Instant deadline) {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET(), requestTimeout, deadline);
    }

    private Reply send(HttpRequest.Builder request, Duration timeout) {
        return send(request, timeout, null);
    }

    private Reply send(HttpRequest.Builder request, Duration timeout, Instant deadline) {
        if (deadline != null) {
            // No longer than the caller's deadline, but long enough for a quick answer: it overruns by 250 ms at most.
            timeout = min(timeout, remaining(deadline).plus(MIN_REQUEST_TIME));
        }
        request.header("Accept", "application/json, application/problem+json").timeout(timeout);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpRequest built = request.build();
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (ConnectException refused) {
                if (attempt >= maxRetries || !fitsBefore(backoff(attempt), deadline)) {
                    throw new StacklException("cannot reach the gateway at " + base + ": " + refused, refused);
                }
                sleep(backoff(attempt));
                continue;
            } catch (IOException e) {
                throw new StacklException(built.method() + " " + built.uri() + " failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StacklException("interrupted", e);
            }
            JsonNode body = response.body() == null || response.body().isBlank() ? null : parseOrText(response.body());
            Duration retryAfter = retryAfter(response.headers());
            Duration pause = retryAfter != null ? min(retryAfter, maxRetryDelay) : backoff(attempt);
            if (response.statusCode() == 503 && attempt < maxRetries && fitsBefore(pause, deadline)) {
                sleep(pause);
                continue;
            }
            if (response.statusCode() >= 400) {
                throw ProblemException.of(response.statusCode(), body, retryAfter);
            }
            return new Reply(response.statusCode(), response.headers(), body);
        }
    }

    /** {@link #stream}, with a 503 (a gateway or broker not ready yet) taken as a stream that ended at once. */
    private TaskEvent streamOrNull(String pathAndQuery, Consumer<TaskEvent> listener, Instant deadline,
            Predicate<TaskEvent> stop, Supplier<TaskEvent> onOpen) {
        try {
            return stream(pathAndQuery, listener, deadline, stop, onOpen);
        } catch (UnavailableException notYet) {
            return null;
        }
    }

    /**
     * Reads a Server-Sent Event stream, handing each event to {@code listener}, until {@code stop} says so (that event
     * is returned), the server ends the stream (null), or {@code deadline} passes (null). Once the stream is open (the
     * gateway listens), {@code onOpen} may hand over what happened before; if the last event it returns stops, the
     * stream is not read.
     */
    private TaskEvent stream(String pathAndQuery, Consumer<TaskEvent> listener, Instant deadline,
            Predicate<TaskEvent> stop, Supplier<TaskEvent> onOpen) {
        Duration left = remaining(deadline);
        if (left.isZero()) {
            return null;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery)).GET()
                .header("Accept", "text/event-stream").timeout(min(requestTimeout, left));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException refusedResetOrTimedOut) {
            // A gateway restarting, a connection reset, no headers in time: the caller looks again until its deadline.
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StacklException("interrupted", e);
        }
        if (response.statusCode() >= 400) {
            String text;
            try (InputStream in = response.body()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                text = "";
            }
            throw ProblemException.of(response.statusCode(), text.isBlank() ? null : parseOrText(text),
                    retryAfter(response.headers()));
        }
        InputStream body = response.body();
        ScheduledFuture<?> closer = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            TaskEvent before = onOpen.get();
            if (before != null && stop.test(before)) {
                return before;
            }
            // A blocked read has no timeout of its own: closing the stream at the deadline ends it.
            closer = timers.schedule(() -> quietlyClose(body), Math.max(1, remaining(deadline).toMillis()),
                    TimeUnit.MILLISECONDS);
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring(line.startsWith("data: ") ? 6 : 5));
                } else if (line.isEmpty() && !data.isEmpty()) {
                    TaskEvent event = TaskEvent.of(Json.parse(data.toString()));
                    data.setLength(0);
                    listener.accept(event);
                    if (stop.test(event)) {
                        return event;
                    }
                }
            }
            return null;
        } catch (IOException closedOrBroken) {
            return null;
        } catch (RejectedExecutionException clientClosed) {
            throw new StacklException("the client is closed", clientClosed);
        } finally {
            if (closer != null) {
                closer.cancel(false);
            }
            quietlyClose(body);
        }
    }

    private URI uri(String pathAndQuery) {
        return URI.create(base + pathAndQuery);
    }

    /** A path segment: everything but unreserved characters percent-encoded (a space as %20, not +). */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A document key as a path: its '/' kept (the gateway reads the rest of the path as the key). */
    static String keyPath(String key) {
        return Arrays.stream(key.split("/", -1)).map(StacklClient::segment).collect(Collectors.joining("/"));
    }

    private static JsonNode parseOrText(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException notJson) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }

    /** {@code Retry-After} in seconds or as an HTTP date (RFC 9110); null if absent or unreadable. */
    static Duration retryAfter(HttpHeaders headers) {
        Optional<String> value = headers.firstValue("Retry-After");
        if (value.isEmpty()) {
            return null;
        }
        String text = value.get().strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(text)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(Instant.now(),
                        ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private static boolean fitsBefore(Duration pause, Instant deadline) {
        return deadline == null || Instant.now().plus(pause).isBefore(deadline);
    }

    private Duration backoff(int attempt) {
        return min(Duration.ofMillis(250L << Math.min(attempt, 6)), maxRetryDelay);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StacklException("interrupted", e);
        }
    }

    private static void quietlyClose(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Closing is all that was wanted.
        }
    }

    /** Settings of a {@link StacklClient}. Only the base URL is required. */
    public static final class Builder {

        private String baseUrl;
        private String apiKey;
        private String bearerToken;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxRetries = 3;
        private Duration maxRetryDelay = Duration.ofSeconds(10);

        private Builder() {}

        /** The gateway, e.g. {@code http://127.0.0.1:8080}. */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** Sent as {@code Authorization: ApiKey <key>}. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** Sent as {@code Authorization: Bearer <token>} (when no API key is set). */
        public Builder bearerToken(String token) {
            this.bearerToken = token;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long one call may take, beyond the wait a submission asks the gateway for. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** How often a 503 or a refused connection is tried again (0: never). */
        public Builder maxRetries(int retries) {
            this.maxRetries = retries;
            return this;
        }

        /** The longest pause before a retry, whatever {@code Retry-After} asks for. */
        public Builder maxRetryDelay(Duration delay) {
            this.maxRetryDelay = delay;
            return this;
        }

        public StacklClient build() {
            return new StacklClient(this);
        }
    }
}

package io.stackl.tasks.bench;

import io.stackl.tasks.schema.TaskStates;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskPartitions;
import io.stackl.tasks.schema.TaskRequest;
import io.stackl.tasks.schema.TaskState;
import io.stackl.tasks.schema.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The cells: each runs its load against the raw shapes or the suite and returns its figures. Latency is measured from
 * each request's intended send instant ({@link OpenLoop}); requests sent during the warm-up are not counted.
 */
final class Bench implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PAYLOAD = new byte[100];
    /** How long a cell waits for its last answers before counting the missing ones as errors. */
    private static final Duration DRAIN = Duration.ofSeconds(20);

    record Timing(Duration warmUp, Duration measure) {}

    private final KafkaClients kafka;
    private final String gatewayUrl;
    private final String runId;
    private Timing timing;
    private final KafkaProducer<String, byte[]> producer;
    /** Partitions of {@code task-requests}, read once (0 until then). */
    private volatile int partitions;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ProcessMeter meter;
    private Serializer<TaskRequest> requests;
    private EventWatch events;

    private String brokerUrl;

    Bench(KafkaClients kafka, String registryUrl, String gatewayUrl, Timing timing, ProcessMeter meter) {
        this.kafka = kafka;
        this.gatewayUrl = gatewayUrl;
        this.timing = timing;
        this.meter = meter;
        this.runId = Long.toString(System.currentTimeMillis(), 36);
        this.producer = kafka.producer();
        if (registryUrl != null) {
            this.requests = Topics.TASK_REQUESTS.serializer(registryUrl);
            this.events = new EventWatch(kafka, registryUrl);
        }
    }

    // ---- raw Kafka -------------------------------------------------------------------------------------------------

    /** Request/reply through a raw shape at {@code rate}: latency from the intended send to the reply seen. */
    CellResult raw(RawShapes.Shape shape, double rate) throws Exception {
        Map<String, ReplyWatch.Pending> pending = ReplyWatch.pending();
        Latencies measured = new Latencies();
        Latencies warm = new Latencies();
        long firstMeasured = firstMeasured(rate);
        String prefix = shape.requestTopic + "-" + runId + "-" + (long) rate + "-";
        try (ReplyWatch replies = new ReplyWatch(kafka, shape.replyTopic, shape.readCommitted,
                ReplyWatch.completing(pending))) {
            OpenLoop.run(rate, timing.warmUp(), timing.measure(), (i, due) -> {
                String key = prefix + i;
                Latencies into = i < firstMeasured ? warm : measured;
                pending.put(key, new ReplyWatch.Pending(due, into));
                producer.send(new ProducerRecord<>(shape.requestTopic, key, PAYLOAD), (metadata, error) -> {
                    if (error != null && pending.remove(key) != null) {
                        into.error();
                    }
                });
            });
            drain(() -> pending.values().stream().filter(p -> p.into() == measured).count());
            pending.values().forEach(p -> p.into().error());
        }
        return CellResult.of(shape.name + " @" + (long) rate + "/s", "send → reply seen", measured, rate,
                measured.count() / seconds(timing.measure()));
    }

    /**
     * The highest rate a shape sustains: steps up through {@code rates}, each for {@code step}; a step is sustained
     * when its requests were all answered within 3 s of its end and no answer was an error.
     */
    CellResult rawRamp(RawShapes.Shape shape, List<Integer> rates, Duration step) throws Exception {
        Map<String, ReplyWatch.Pending> pending = ReplyWatch.pending();
        try (ReplyWatch replies = new ReplyWatch(kafka, shape.replyTopic, shape.readCommitted,
                ReplyWatch.completing(pending))) {
            return ramp(shape.name + ": max sustained", rates, step, (rate, into) -> {
                String prefix = shape.requestTopic + "-ramp-" + runId + "-" + rate + "-";
                OpenLoop.run(rate, Duration.ZERO, step, (i, due) -> {
                    String key = prefix + i;
                    pending.put(key, new ReplyWatch.Pending(due, into));
                    producer.send(new ProducerRecord<>(shape.requestTopic, key, PAYLOAD));
                });
                return () -> pending.values().stream().filter(p -> p.into() == into).count();
            });
        }
    }

    // ---- the suite -------------------------------------------------------------------------------------------------

    /** {@code POST /tasks?wait=10} at {@code rate}: the round trip, from the intended send to the answer. */
    CellResult rest(String name, double rate, LongFunction<Map<String, Object>> body, String expectedState)
            throws Exception {
        Latencies measured = new Latencies();
        Latencies warm = new Latencies();
        long firstMeasured = firstMeasured(rate);
        List<CompletableFuture<?>> calls = new ArrayList<>();
        Map<String, Double> cpuBefore = meter.cpuSeconds();
        long[] kafkaBefore = kafka.recordsAndBytes();
        OpenLoop.run(rate, timing.warmUp(), timing.measure(), (i, due) -> {
            Latencies into = i < firstMeasured ? warm : measured;
            HttpRequest request = submission(10, Duration.ofSeconds(30), body.apply(i));
            calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
                long done = System.nanoTime();
                if (error == null && answeredAs(response, expectedState)) {
                    into.record((done - due) / 1_000);
                } else {
                    into.error();
                }
            }));
        });
        try {
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(DRAIN.toSeconds() + 30,
                    TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Counted per call above (errors), or still missing: reported through n.
        }
        Map<String, Double> cpu = ProcessMeter.perThousand(cpuBefore, meter.cpuSeconds(), calls.size());
        long[] kafkaAfter = kafka.recordsAndBytes();
        return CellResult.of(name + " @" + (long) rate + "/s", "POST ?wait=10 round trip", measured, rate,
                measured.count() / seconds(timing.measure())).withCpu(cpu)
                .with("kafkaRecordsPerTask", (kafkaAfter[0] - kafkaBefore[0]) / (double) calls.size())
                .with("kafkaBytesPerTask", (kafkaAfter[1] - kafkaBefore[1]) / (double) calls.size());
    }

    /**
     * {@code count} tasks over REST ({@code POST /tasks?wait=30}), each sent when the one before has answered: what
     * each of the first tasks after a start costs, in order. {@code eachMs} lists them (NaN: not answered as expected).
     */
    CellResult oneAtATime(String name, int count, LongFunction<Map<String, Object>> body, String expectedState)
            throws Exception {
        Latencies all = new Latencies();
        List<Double> eachMs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            HttpRequest request = submission(30, Duration.ofSeconds(40), body.apply(i));
            long sent = System.nanoTime();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long micros = (System.nanoTime() - sent) / 1_000;
            if (answeredAs(response, expectedState)) {
                all.record(micros);
                eachMs.add(micros / 1000.0);
            } else {
                all.error();
                eachMs.add(Double.NaN);
            }
        }
        return CellResult.of(name, "POST ?wait=30 round trip, each sent after the last answered", all, Double.NaN,
                Double.NaN).with("eachMs", eachMs)
                .with("first ÷ last", eachMs.get(0) / eachMs.get(eachMs.size() - 1));
    }

    /** {@code POST /tasks?wait=<waitSeconds>} with {@code body} as JSON. */
    private HttpRequest submission(int waitSeconds, Duration timeout, Map<String, Object> body)
            throws com.fasterxml.jackson.core.JsonProcessingException {
        return HttpRequest.newBuilder(URI.create(gatewayUrl + "/tasks?wait=" + waitSeconds)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    }

    /** The gateway answered 200 with the task in {@code expectedState}. */
    private static boolean answeredAs(HttpResponse<String> response, String expectedState) {
        return response.statusCode() == 200 && expectedState.equals(state(response.body()));
    }

    /** Requests produced onto {@code task-requests} at {@code rate}: from the intended send to the end event seen. */
    CellResult produced(String name, double rate, Function<String, TaskRequest.Builder> request) throws Exception {
        Latencies measured = new Latencies();
        Latencies warm = new Latencies();
        long firstMeasured = firstMeasured(rate);
        Map<String, Double> cpuBefore = meter.cpuSeconds();
        long[] kafkaBefore = kafka.recordsAndBytes();
        Map<String, Boolean> open = new ConcurrentHashMap<>();
        String prefix = "bench-" + runId + "-" + name.replaceAll("[^a-z0-9]+", "-") + "-" + (long) rate + "-";
        OpenLoop.run(rate, timing.warmUp(), timing.measure(), (i, due) -> {
            Latencies into = i < firstMeasured ? warm : measured;
            String id = prefix + i;
            sendAndTime(request.apply(id), due, into, open, into == measured);
        });
        drain(() -> open.values().stream().filter(Boolean::booleanValue).count());
        open.forEach((id, isMeasured) -> {
            events.forget(id);
            if (isMeasured) {
                measured.error();
            }
        });
        long tasks = Math.round(rate * (seconds(timing.warmUp()) + seconds(timing.measure())));
        Map<String, Double> cpu = ProcessMeter.perThousand(cpuBefore, meter.cpuSeconds(), tasks);
        // Kafka records and bytes written per task (all topics, changelogs and transaction markers included), once
        // the cell's tasks have ended; what the services write a little later (history's sends) may be missed.
        long[] kafkaAfter = kafka.recordsAndBytes();
        return CellResult.of(name + " @" + (long) rate + "/s", "append → end event seen (read_committed)", measured,
                rate, measured.count() / seconds(timing.measure())).withCpu(cpu)
                .with("kafkaRecordsPerTask", (kafkaAfter[0] - kafkaBefore[0]) / (double) tasks)
                .with("kafkaBytesPerTask", (kafkaAfter[1] - kafkaBefore[1]) / (double) tasks);
    }

    /** As {@link #rawRamp}, for no-op tasks produced onto {@code task-requests}. */
    CellResult producedRamp(String name, List<Integer> rates, Duration step,
            Function<String, TaskRequest.Builder> request) throws Exception {
        return ramp(name, rates, step, (rate, into) -> {
            Map<String, Boolean> open = new ConcurrentHashMap<>();
            String prefix = "bench-" + runId + "-ramp-" + rate + "-";
            OpenLoop.run(rate, Duration.ZERO, step, (i, due) -> {
                sendAndTime(request.apply(prefix + i), due, into, open, true);
            });
            return open::size;
        });
    }

    /**
     * Produces one task, open in {@code open} (with {@code counted}) until its end event is seen; then its latency from
     * {@code due} goes to {@code into}, or an error if it did not succeed.
     */
    private void sendAndTime(TaskRequest.Builder request, long due, Latencies into, Map<String, Boolean> open,
            boolean counted) {
        String id = aligned(request).getId();
        open.put(id, counted);
        events.listen(id, (event, seenAt) -> {
            if (TaskStates.isTerminal(event.getState())) {
                if (event.getState() == TaskState.SUCCEEDED) {
                    into.record((seenAt - due) / 1_000);
                } else {
                    into.error();
                }
                open.remove(id);
            }
        });
        send(request);
    }

    /** How a step is run: it sends its load and returns a count of the requests still unanswered. */
    interface Step {
        java.util.function.LongSupplier run(int rate, Latencies into) throws Exception;
    }

    private CellResult ramp(String name, List<Integer> rates, Duration step, Step load) throws Exception {
        List<Map<String, Object>> steps = new ArrayList<>();
        Latencies best = null;
        int sustained = 0;
        double bestAchieved = 0;
        for (int rate : rates) {
            Latencies into = new Latencies();
            long started = System.nanoTime();
            java.util.function.LongSupplier unanswered = load.run(rate, into);
            long sendEnd = System.nanoTime();
            long deadline = sendEnd + Duration.ofSeconds(3).toNanos();
            while (unanswered.getAsLong() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long left = unanswered.getAsLong();
            double achieved = into.count() / ((System.nanoTime() - started) / 1e9);
            boolean kept = left == 0 && into.errors() == 0;
            steps.add(Map.of("offeredPerSecond", rate, "completed", into.count(), "unansweredAfter3s", left,
                    "errors", into.errors(), "p50Ms", into.percentileMs(50), "p99Ms", into.percentileMs(99),
                    "sustained", kept));
            if (!kept) {
                // Let the backlog drain before the next cell, so that it does not pay for this one.
                long drainUntil = System.nanoTime() + DRAIN.toNanos() * 3;
                while (unanswered.getAsLong() > 0 && System.nanoTime() < drainUntil) {
                    Thread.sleep(100);
                }
                break;
            }
            sustained = rate;
            bestAchieved = achieved;
            best = into;
        }
        Latencies figures = best == null ? new Latencies() : best;
        CellResult result = CellResult.of(name, "highest rate answered with no backlog 3 s after each step", figures,
                sustained, bestAchieved).with("steps", steps).with("sustainedPerSecond", sustained);
        if (!rates.isEmpty() && sustained == rates.get(rates.size() - 1)) {
            // Kept up with every step: the maximum is at least this, not this.
            result.with("keptUpWithTheTopStep", true);
        }
        return result;
    }

    /**
     * {@code count} tasks produced as fast as possible; returns each one's events as they were seen, once every task
     * has ended (or {@code atMost} has passed).
     */
    Map<String, List<Seen>> burst(String name, int count, Function<String, TaskRequest.Builder> request, Duration atMost)
            throws Exception {
        return paced(name, count, Duration.ZERO, request, atMost);
    }

    /** As {@link #burst}, one task every {@code spacing}. */
    Map<String, List<Seen>> paced(String name, int count, Duration spacing, Function<String, TaskRequest.Builder> request,
            Duration atMost) throws Exception {
        Map<String, List<Seen>> seen = new ConcurrentHashMap<>();
        Map<String, Boolean> open = new ConcurrentHashMap<>();
        String prefix = "bench-" + runId + "-" + name + "-";
        for (int i = 0; i < count; i++) {
            TaskRequest.Builder built = aligned(request.apply(prefix + i));
            String id = built.getId();
            open.put(id, true);
            seen.put(id, java.util.Collections.synchronizedList(new ArrayList<>()));
            events.listen(id, (event, seenAt) -> {
                seen.get(id).add(new Seen(event, seenAt, wallClock(seenAt)));
                if (TaskStates.isTerminal(event.getState())) {
                    open.remove(id);
                }
            });
            send(built);
            if (!spacing.isZero()) {
                Thread.sleep(spacing.toMillis());
            }
        }
        producer.flush();
        long until = System.nanoTime() + atMost.toNanos();
        while (!open.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        open.keySet().forEach(events::forget);
        return seen;
    }

    /** An event as a consumer saw it: when ({@link System#nanoTime()}), and the wall-clock instant of that. */
    record Seen(TaskEvent event, long seenNanos, Instant seenAt) {}

    Map<String, Double> cpu() {
        return meter.cpuSeconds();
    }

    TaskRequest.Builder task(String id, String topic, String subtype, Object arguments, List<String> keys,
            long executionTimeoutMs) {
        try {
            return TaskRequest.newBuilder().setId(id).setTopic(topic).setSubtype(subtype).setSource("benchmark")
                    .setArgumentsJson(JSON.writeValueAsString(arguments)).setChangedDocumentKeys(keys)
                    .setQueueTimeoutMs(600_000L).setExecutionTimeoutMs(executionTimeoutMs)
                    .setSubmittedAt(Instant.now());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the task broker's metrics are read, to wait between cells until no task is in flight. */
    void brokerUrl(String url) {
        this.brokerUrl = url;
    }

    /**
     * Waits until the task broker has no task in flight (its {@code tasks_in_flight} gauge), at most 2 minutes, so that
     * a cell does not pay for the backlog the one before it left. Returns how long that took (ms).
     */
    long quiesce() throws InterruptedException {
        long started = System.nanoTime();
        if (brokerUrl == null) {
            return 0;
        }
        long until = started + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < until) {
            try {
                String metrics = http.send(HttpRequest.newBuilder(URI.create(brokerUrl + "/q/metrics")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                double inFlight = metrics.lines().filter(l -> l.startsWith("tasks_in_flight{"))
                        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
                if (inFlight == 0) {
                    break;
                }
            } catch (java.io.IOException | RuntimeException e) {
                // The broker answers again in a moment.
            }
            Thread.sleep(250);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    /** Runs {@code cell} with another timing (the suite's warm-up), then goes back to the profile's. */
    <T> T withTiming(Timing other, java.util.concurrent.Callable<T> cell) throws Exception {
        Timing previous = timing;
        timing = other;
        try {
            return cell.call();
        } finally {
            timing = previous;
        }
    }

    String runId() {
        return runId;
    }

    /**
     * The request with its id on the partition of its keys, as the gateway and {@code KafkaTaskProducer} choose ids
     * (ADR 0017): a benchmark that named its tasks otherwise would measure a path users do not take.
     */
    private TaskRequest.Builder aligned(TaskRequest.Builder request) {
        if (partitions == 0) {
            partitions = producer.partitionsFor(Topics.TASK_REQUESTS.name()).size();
        }
        return request.setId(TaskPartitions.alignedWith(request.getId(), request.getChangedDocumentKeys(), partitions));
    }

    private void send(TaskRequest.Builder request) {
        TaskRequest value = request.build();
        producer.send(new ProducerRecord<>(Topics.TASK_REQUESTS.name(), value.getId(),
                requests.serialize(Topics.TASK_REQUESTS.name(), value)));
    }

    private long firstMeasured(double rate) {
        return Math.round(rate * seconds(timing.warmUp()));
    }

    private static void drain(java.util.function.LongSupplier left) throws InterruptedException {
        long until = System.nanoTime() + DRAIN.toNanos();
        while (left.getAsLong() > 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
    }

    static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    /** The wall-clock instant of a {@link System#nanoTime()} reading taken in this JVM. */
    static Instant wallClock(long nanos) {
        return Instant.now().minusNanos(System.nanoTime() - nanos);
    }

    private static String state(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            return json.path("state").asText();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        if (events != null) {
            events.close();
        }
        if (requests != null) {
            requests.close();
        }
    }
}

package io.stackl.tasks.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Clients that keep submitting a mix of tasks through the gateway while faults are injected, and behave as a careful
 * user does: every submission carries its own Idempotency-Key, and one that got no answer (connection refused, 503)
 * is sent again with the same key until the gateway answers. So every submission ends with a known task, and the
 * checker can hold the suite to all of them.
 *
 * <p>The mix: 60% increments of a few counter documents (conflicting tasks, serialised by locks; a quarter of them
 * may be tried twice), 20% batches that write and then fail (rollback), 5% plain puts, 5% puts that then wait a
 * second (so crashes hit running tasks; tried up to twice, so a fault that times one out retries it), and 10% calls of
 * the suite's HTTP function, tried up to three times: a third always fail, the rest fail their first 0–2 attempts
 * (each failed attempt's recorded undo must then run, once). Retries follow ADR 0012.
 */
final class Load implements AutoCloseable {

    static final int COUNTERS = 4;
    private static final int DOCUMENTS = 10;
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(3);

    private final Suite suite;
    private final String prefix;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger submissions = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicInteger unanswered = new AtomicInteger();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final List<Thread> clients = new ArrayList<>();

    /** Starts {@code clients} submitting threads; every document they touch is under {@code prefix}. */
    Load(Suite suite, String prefix, int clients) {
        this.suite = suite;
        this.prefix = prefix;
        for (int i = 0; i < clients; i++) {
            Thread client = new Thread(() -> {
                while (running.get()) {
                    submitOne();
                }
            }, "e2e-load-" + i);
            client.start();
            this.clients.add(client);
        }
    }

    String prefix() {
        return prefix;
    }

    List<String> counters() {
        return IntStream.range(0, COUNTERS).mapToObj(i -> prefix + "counter-" + i).toList();
    }

    /** Every key a task of this load may declare. */
    List<String> keys() {
        List<String> keys = new ArrayList<>(counters());
        IntStream.range(0, DOCUMENTS).forEach(i -> {
            keys.add(prefix + "doc-" + i);
            keys.add(prefix + "doc-" + i + "-missing");
        });
        return keys;
    }

    /** Task ids the gateway gave for this load's submissions (and for tasks added by the fault itself). */
    Set<String> accepted() {
        return accepted;
    }

    int submissions() {
        return submissions.get();
    }

    int resent() {
        return resent.get();
    }

    int unanswered() {
        return unanswered.get();
    }

    List<String> unexpected() {
        return unexpected;
    }

    /** Stops submitting; a submission still being resent is finished first. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread client : clients) {
            client.join();
        }
    }

    private void submitOne() {
        String idempotencyKey = prefix + "submission-" + submissions.incrementAndGet();
        Map<String, Object> task = nextTask();
        long giveUpAt = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        // The first try does not wait; a resend waits a little so that a repeat is answered 303 with the first task.
        String path = "/tasks?wait=0";
        while (true) {
            try {
                Suite.Reply reply = suite.post(path, task, Map.of("Idempotency-Key", idempotencyKey));
                switch (reply.status()) {
                    case 200, 202, 303 -> {
                        accepted.add(reply.body().path("taskId").asText());
                        pause(40);
                        return;
                    }
                    case 503 -> {
                        // Kafka could not take it (yet): resend below.
                    }
                    default -> {
                        unexpected.add(reply.status() + " " + reply.body());
                        return;
                    }
                }
            } catch (RuntimeException gatewayUnreachable) {
                // Refused or cut off while the gateway restarts: the task may or may not have been accepted.
            }
            if (System.nanoTime() > giveUpAt) {
                unanswered.incrementAndGet();
                return;
            }
            resent.incrementAndGet();
            path = "/tasks?wait=5";
            pause(250);
        }
    }

    private Map<String, Object> nextTask() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int kind = random.nextInt(20);
        String doc = prefix + "doc-" + random.nextInt(DOCUMENTS);
        Map<String, Object> task;
        if (kind < 12) {
            String counter = prefix + "counter-" + random.nextInt(COUNTERS);
            task = new HashMap<>(Map.of("topic", "document", "subtype", "increment", "arguments", Map.of("key", counter),
                    "changedDocumentKeys", List.of(counter)));
            if (random.nextInt(4) == 0) {
                task.put("retryPolicy", Map.of("maxAttempts", 2, "initialBackoffMs", 100));
            }
        } else if (kind < 16) {
            task = Map.of("topic", "document", "subtype", "batch", "arguments", Map.of("operations", List.of(
                            Map.of("op", "put", "key", doc, "value", Map.of("by", "failing")),
                            Map.of("op", "patch", "key", doc + "-missing", "value", Map.of("x", 1)))),
                    "changedDocumentKeys", List.of(doc, doc + "-missing"));
        } else if (kind < 17) {
            task = Map.of("topic", "document", "subtype", "put", "arguments", Map.of("key", doc,
                    "value", Map.of("by", "put")), "changedDocumentKeys", List.of(doc));
        } else if (kind < 18) {
            task = Map.of("topic", "document", "subtype", "batch", "arguments", Map.of("operations", List.of(
                            Map.of("op", "put", "key", doc, "value", Map.of("by", "slow put")),
                            Map.of("op", "wait", "ms", 1_000))),
                    "changedDocumentKeys", List.of(doc),
                    "retryPolicy", Map.of("maxAttempts", 2, "initialBackoffMs", 200));
        } else {
            boolean alwaysFails = random.nextInt(3) == 0;
            task = Map.of("topic", "http", "subtype", "call", "arguments", alwaysFails ? Map.of("fail", true)
                            : Map.of("failAttempts", random.nextInt(3)),
                    "retryPolicy", Map.of("maxAttempts", 3, "initialBackoffMs", 100, "maxBackoffMs", 400));
        }
        Map<String, Object> withTimeouts = new HashMap<>(task);
        withTimeouts.put("queueTimeoutMs", 120_000);
        withTimeouts.put("timeoutMs", 10_000);
        return withTimeouts;
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

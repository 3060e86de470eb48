package io.stackl.tasks.history.bench;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.history.service.DocumentService;
import io.stackl.tasks.history.service.HistoryRecorder;
import io.stackl.tasks.infra.InfrastructureTestResource;
import io.stackl.tasks.schema.TaskEvent;
import io.stackl.tasks.schema.TaskState;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Figures on the real PostgreSQL, printed, not asserted. Not part of the test run:
 * <pre>./mvnw -pl history-service test -Dtest=HistoryBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * 1. fenced document writes per second (snapshot + write in one transaction), 1 and 8 threads;
 * 2. lifecycle events stored per second in batches of 500 against one per transaction, in the same run.
 */
@QuarkusTest
@QuarkusTestResource(value = InfrastructureTestResource.class, restrictToAnnotatedClass = false)
class HistoryBenchmark {

    @Inject
    HistoryRecorder recorder;

    @Inject
    DocumentService documents;

    @Test
    void measure() throws Exception {
        writes(1, 2_000);
        writes(8, 8_000);
        writes(1, 2_000);
        writes(8, 8_000);
        for (int round = 0; round < 2; round++) {
            double oneByOne = events(5_000, false);
            double batched = events(50_000, true);
            System.out.printf("events: one per transaction %.0f/s, batched %.0f/s (%.1fx)%n", oneByOne, batched,
                    batched / oneByOne);
        }
    }

    private void writes(int threads, int total) throws Exception {
        // One task per thread, each with its own keys, as concurrent tasks hold disjoint locks.
        List<String> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String task = "bench-writer-" + UUID.randomUUID();
            List<String> keys = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                keys.add(task + "/doc-" + k);
            }
            recorder.recordEvents(List.of(event(task, 1, TaskState.SUBMITTED, 0, keys),
                    event(task, 2, TaskState.DISPATCHED, 1, keys)));
            tasks.add(task);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> running = new ArrayList<>();
        for (String task : tasks) {
            running.add(pool.submit(() -> {
                for (int i = 0; i < total / threads; i++) {
                    documents.put(task + "/doc-" + (i % 50), task, 1, null, "{\"i\": " + i + ", \"payload\": \"abcdefgh\"}");
                }
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        System.out.printf("fenced writes, %d thread(s): %.0f/s (%d in %.2f s)%n", threads, total / seconds, total,
                seconds);
    }

    private double events(int count, boolean batched) {
        List<TaskEvent> events = new ArrayList<>();
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < count; i++) {
            events.add(event("bench-events-" + run + "-" + (i / 3), i % 3 + 1,
                    i % 3 == 0 ? TaskState.SUBMITTED : i % 3 == 1 ? TaskState.DISPATCHED : TaskState.SUCCEEDED, 1,
                    List.of()));
        }
        long start = System.nanoTime();
        if (batched) {
            for (int i = 0; i < events.size(); i += 500) {
                recorder.recordEvents(events.subList(i, Math.min(events.size(), i + 500)));
            }
        } else {
            recorder.recordEventsOneByOne(events);
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static TaskEvent event(String task, int sequence, TaskState state, long token, List<String> keys) {
        return TaskEvent.newBuilder().setTaskId(task).setSequence(sequence).setState(state).setTopic("document")
                .setSubtype("put").setSource("bench").setOccurredAt(Instant.now()).setAttempt(1).setFencingToken(token)
                .setChangedDocumentKeys(keys).build();
    }
}

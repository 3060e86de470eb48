package io.stackl.tasks.gateway.bench;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.stackl.tasks.gateway.SuiteResource;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Figures for the gateway on the real suite, printed, not asserted. Run by hand:
 * <pre>./mvnw -pl api-gateway test -Dtest=GatewayBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 * 1. the no-op round trip through {@code POST /tasks?wait=10} at a fixed 50/s; 2. 5,000 open waits and their heap.
 */
@QuarkusTest
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class GatewayBenchmark {

    @TestHTTPResource("/tasks")
    URL tasks;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void measure() throws Exception {
        post("{\"topic\":\"noop\",\"subtype\":\"run\"}", 10).join();
        for (int round = 1; round <= 2; round++) {
            roundTrip(round, 1_000, 50);
        }
        openWaits(5_000);
    }

    private void roundTrip(int round, int count, int perSecond) throws Exception {
        List<CompletableFuture<Long>> all = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * 1_000_000_000L / perSecond;
            while (System.nanoTime() < due) {
                Thread.sleep(0, 200_000);
            }
            long sent = System.nanoTime();
            all.add(post("{\"topic\":\"noop\",\"subtype\":\"run\"}", 10).thenApply(r -> {
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.statusCode() + " " + r.body());
                }
                return (System.nanoTime() - sent) / 1_000_000;
            }));
        }
        List<Long> ms = new ArrayList<>(all.stream().map(CompletableFuture::join).toList());
        Collections.sort(ms);
        System.out.printf("round trip %d: n=%d at %d/s p50=%d ms p99=%d ms max=%d ms%n", round, ms.size(), perSecond,
                ms.get(ms.size() / 2), ms.get((int) (ms.size() * 0.99)), ms.get(ms.size() - 1));
    }

    private void openWaits(int count) throws Exception {
        long heapBefore = heapAfterGc();
        List<CompletableFuture<HttpResponse<String>>> waits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Sleeping tasks, far more than the worker runs at once: their submissions stay open for the wait.
            waits.add(post("{\"topic\":\"noop\",\"subtype\":\"sleep\",\"arguments\":{\"ms\":60000}}", 45));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        double open = 0;
        while (System.nanoTime() < deadline && open < count) {
            open = openWaitsMetric();
            Thread.sleep(200);
        }
        long heapDuring = heapAfterGc();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        System.out.printf("open waits: %.0f of %d; heap after GC %d MB before, %d MB with them open (%.1f KB per wait);"
                + " live threads in the JVM (gateway and test client): %d%n", open, count, heapBefore >> 20,
                heapDuring >> 20, (heapDuring - heapBefore) / 1024.0 / Math.max(1, open), threads);
        waits.forEach(w -> w.cancel(true));
    }

    private double openWaitsMetric() throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(tasks.toString().replace("/tasks", "/q/metrics")))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("tasks_gateway_open_waits ")).mapToDouble(
                l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    private CompletableFuture<HttpResponse<String>> post(String body, int waitSeconds) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(tasks + "?wait=" + waitSeconds))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}

package io.stackl.tasks.bench;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load: the i-th request is due at {@code start + i / rate}, whatever happened to the ones before, and its
 * latency counts from that intended instant, not from when it was actually sent. A client that falls behind therefore
 * shows in the figures instead of hiding the wait (no coordinated omission).
 */
final class OpenLoop {

    /** Sends request {@code index}, due at {@code intendedNanos} ({@link System#nanoTime()}), without blocking for its answer. */
    interface Sender {
        void send(long index, long intendedNanos) throws Exception;
    }

    private OpenLoop() {}

    /**
     * Runs {@code warmUp} then {@code measure} at {@code ratePerSecond}; {@code sender} gets each request's index and
     * intended instant. Returns the index of the first measured request (those before it are the warm-up).
     */
    static long run(double ratePerSecond, Duration warmUp, Duration measure, Sender sender) throws Exception {
        long total = Math.round(ratePerSecond * (warmUp.toNanos() + measure.toNanos()) / 1e9);
        long firstMeasured = Math.round(ratePerSecond * warmUp.toNanos() / 1e9);
        double intervalNanos = 1e9 / ratePerSecond;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            sender.send(i, due);
        }
        return firstMeasured;
    }
}

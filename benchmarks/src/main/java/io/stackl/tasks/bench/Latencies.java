package io.stackl.tasks.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The latencies of one cell, in microseconds, in an HdrHistogram; the first and the last 100 are kept apart so that a
 * warm-up left in the figures shows. Thread-safe: completions arrive on client threads.
 */
final class Latencies {

    private static final int EDGE = 100;

    private final Histogram histogram = new Histogram(120_000_000L, 3);
    private final List<Long> first = new ArrayList<>();
    private final long[] last = new long[EDGE];
    private long count;
    private final AtomicLong errors = new AtomicLong();

    synchronized void record(long micros) {
        long value = Math.max(1, Math.min(micros, histogram.getHighestTrackableValue()));
        histogram.recordValue(value);
        if (first.size() < EDGE) {
            first.add(value);
        }
        last[(int) (count % EDGE)] = value;
        count++;
    }

    void error() {
        errors.incrementAndGet();
    }

    synchronized long count() {
        return count;
    }

    long errors() {
        return errors.get();
    }

    synchronized double percentileMs(double percentile) {
        return count == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    synchronized double maxMs() {
        return count == 0 ? Double.NaN : histogram.getMaxValue() / 1000.0;
    }

    /** The median of the first 100 recorded latencies (ms). */
    synchronized double firstHundredP50Ms() {
        return median(first.stream().mapToLong(Long::longValue).toArray());
    }

    /** The median of the last 100 recorded latencies (ms). */
    synchronized double lastHundredP50Ms() {
        int n = (int) Math.min(count, EDGE);
        long[] values = new long[n];
        System.arraycopy(last, 0, values, 0, n);
        return median(values);
    }

    private static double median(long[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        java.util.Arrays.sort(values);
        return values[values.length / 2] / 1000.0;
    }
}

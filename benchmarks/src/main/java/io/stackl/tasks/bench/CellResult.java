package io.stackl.tasks.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one cell. {@code baseline} names the cell it is compared with (null for none); the ratios are this
 * cell's p50 and p99 over the baseline's, measured in the same run. {@code extra} holds what only this cell measures.
 */
record CellResult(String name, String measured, long n, double offeredPerSecond, double achievedPerSecond, long errors,
        double p50, double p90, double p99, double p999, double max, double firstHundredP50, double lastHundredP50,
        String baseline, double p50Ratio, double p99Ratio, Map<String, Object> extra, Map<String, Double> cpuPerThousand) {

    static CellResult of(String name, String measured, Latencies latencies, double offered, double achieved) {
        return new CellResult(name, measured, latencies.count(), offered, achieved, latencies.errors(),
                latencies.percentileMs(50), latencies.percentileMs(90), latencies.percentileMs(99),
                latencies.percentileMs(99.9), latencies.maxMs(), latencies.firstHundredP50Ms(),
                latencies.lastHundredP50Ms(), null, Double.NaN, Double.NaN, new LinkedHashMap<>(), Map.of());
    }

    CellResult comparedWith(CellResult base) {
        if (base == null) {
            return this;
        }
        return new CellResult(name, measured, n, offeredPerSecond, achievedPerSecond, errors, p50, p90, p99, p999, max,
                firstHundredP50, lastHundredP50, base.name(), p50 / base.p50(), p99 / base.p99(), extra, cpuPerThousand);
    }

    CellResult withCpu(Map<String, Double> cpu) {
        return new CellResult(name, measured, n, offeredPerSecond, achievedPerSecond, errors, p50, p90, p99, p999, max,
                firstHundredP50, lastHundredP50, baseline, p50Ratio, p99Ratio, extra, cpu);
    }

    CellResult with(String key, Object value) {
        extra.put(key, value);
        return this;
    }
}

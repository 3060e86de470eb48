package io.stackl.tasks.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The figures as Markdown: the main table, then CPU, GC, warm-up, settings and the machine. */
final class Report {

    private Report() {}

    static String oneLine(CellResult c) {
        return String.format(Locale.ROOT, "%-58s n %6d, %s/s offered, %s/s achieved, errors %d, p50 %s, p99 %s ms%s",
                c.name(), c.n(), num(c.offeredPerSecond()), num(c.achievedPerSecond()), c.errors(), num(c.p50()),
                num(c.p99()), c.baseline() == null ? "" : String.format(Locale.ROOT, " (×%s / ×%s %s)",
                        num(c.p50Ratio()), num(c.p99Ratio()), c.baseline()));
    }

    static String markdown(List<CellResult> cells, Map<String, Double> gc, Map<String, Object> machine,
            Map<String, Object> settings, String profile) {
        StringBuilder out = new StringBuilder();
        out.append("## Stackl Tasks benchmark (").append(profile).append(")\n\n");
        out.append("Latencies in ms, from each request's intended send instant (open loop). Ratios: this cell's p50 and"
                + " p99 over those of the cell named, measured in the same run.\n\n");
        out.append("| cell | measured | n | offered/s | achieved/s | errors | p50 | p90 | p99 | p99.9 | max | compared with"
                + " | p50 × | p99 × |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (CellResult c : cells) {
            out.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    c.name(), c.measured(), c.n(), num(c.offeredPerSecond()), num(c.achievedPerSecond()), c.errors(),
                    num(c.p50()), num(c.p90()), num(c.p99()), num(c.p999()), num(c.max()),
                    c.baseline() == null ? "–" : c.baseline(), num(c.p50Ratio()), num(c.p99Ratio())));
        }
        out.append("\n### What only some cells measure\n\n");
        for (CellResult c : cells) {
            c.extra().forEach((key, value) -> {
                if (!key.equals("steps")) {
                    out.append("- ").append(c.name()).append(": ").append(key).append(" = ")
                            .append(value instanceof Double d ? num(d) : value).append('\n');
                }
            });
            if (c.extra().get("steps") instanceof List<?> steps) {
                out.append("- ").append(c.name()).append(", steps: ");
                for (Object step : steps) {
                    Map<?, ?> s = (Map<?, ?>) step;
                    out.append(String.format(Locale.ROOT, "%s/s → %s done, p99 %s ms, %s; ", s.get("offeredPerSecond"),
                            s.get("completed"), num((Double) s.get("p99Ms")),
                            Boolean.TRUE.equals(s.get("sustained")) ? "kept up" : "fell behind ("
                                    + s.get("unansweredAfter3s") + " unanswered 3 s after)"));
                }
                out.append('\n');
            }
        }
        TreeSet<String> processes = new TreeSet<>();
        cells.forEach(c -> processes.addAll(c.cpuPerThousand().keySet()));
        if (!processes.isEmpty()) {
            out.append("\n### CPU seconds per 1,000 tasks, by process\n\n| cell |");
            processes.forEach(p -> out.append(' ').append(p).append(" |"));
            out.append(" total |\n|---|");
            processes.forEach(p -> out.append("---|"));
            out.append("---|\n");
            for (CellResult c : cells) {
                if (c.cpuPerThousand().isEmpty()) {
                    continue;
                }
                out.append("| ").append(c.name()).append(" |");
                double total = 0;
                for (String p : processes) {
                    Double v = c.cpuPerThousand().get(p);
                    out.append(' ').append(num(v == null ? Double.NaN : v)).append(" |");
                    total += v == null || v.isNaN() || p.equals("harness") ? 0 : v;
                }
                out.append(' ').append(num(total)).append(" |\n");
            }
            out.append("\n(total: without the harness, which plays the clients.)\n");
        }
        out.append("\n### GC seconds during the run, by JVM\n\n");
        gc.forEach((name, seconds) -> out.append("- ").append(name).append(": ").append(num(seconds)).append('\n'));
        out.append("\n### Warm-up: p50 of the first and of the last 100 answers of each cell (ms)\n\n");
        for (CellResult c : cells) {
            if (c.n() > 0 && !Double.isNaN(c.firstHundredP50())) {
                out.append(String.format(Locale.ROOT, "- %s: %s → %s%n", c.name(), num(c.firstHundredP50()),
                        num(c.lastHundredP50())));
            }
        }
        out.append("\n### Settings\n\n");
        settings.forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
        out.append("\n### Machine\n\n");
        machine.forEach((k, v) -> out.append("- ").append(k).append(": ").append(v).append('\n'));
        return out.toString();
    }

    static String num(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "–";
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (Math.abs(value) >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }
}

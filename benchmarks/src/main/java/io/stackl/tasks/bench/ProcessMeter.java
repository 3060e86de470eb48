package io.stackl.tasks.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU time of the processes that serve a task, read from {@code /proc/<pid>/stat} (user + system, in clock ticks),
 * and GC time of each JVM, from {@code jstat}. PostgreSQL is the postmaster and its backends (their ended children
 * are in the postmaster's own {@code cutime}); everything else is one process.
 */
final class ProcessMeter {

    private static final double TICKS_PER_SECOND = ticksPerSecond();

    private final Map<String, LongSupplier> pids = new LinkedHashMap<>();
    private final Map<String, LongSupplier> jvms = new LinkedHashMap<>();
    private final String postgres;

    ProcessMeter(String postgresName) {
        this.postgres = postgresName;
    }

    void process(String name, LongSupplier pid, boolean jvm) {
        pids.put(name, pid);
        if (jvm) {
            jvms.put(name, pid);
        }
    }

    /** CPU seconds used so far, by process name. */
    Map<String, Double> cpuSeconds() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        pids.forEach((name, pid) -> seconds.put(name, name.equals(postgres) ? treeTicks(pid.getAsLong())
                : ownTicks(pid.getAsLong(), false) / TICKS_PER_SECOND));
        return seconds;
    }

    /** GC seconds so far (young + old + concurrent), by JVM name; NaN where jstat could not tell. */
    Map<String, Double> gcSeconds() {
        Map<String, Double> seconds = new LinkedHashMap<>();
        jvms.forEach((name, pid) -> seconds.put(name, jstatGcTime(pid.getAsLong())));
        return seconds;
    }

    static Map<String, Double> perThousand(Map<String, Double> before, Map<String, Double> after, long tasks) {
        Map<String, Double> per = new LinkedHashMap<>();
        if (tasks <= 0) {
            return per;
        }
        after.forEach((name, value) -> per.put(name, (value - before.getOrDefault(name, 0.0)) * 1000.0 / tasks));
        return per;
    }

    private double treeTicks(long root) {
        if (root <= 0) {
            return Double.NaN;
        }
        double ticks = ownTicks(root, true);
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : proc) {
                String[] stat = stat(Long.parseLong(p.getFileName().toString()));
                if (stat != null && Long.parseLong(stat[3]) == root) {
                    ticks += Long.parseLong(stat[13]) + Long.parseLong(stat[14]);
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** utime + stime (+ cutime + cstime of reaped children), in ticks. */
    private static double ownTicks(long pid, boolean withChildren) {
        String[] stat = pid <= 0 ? null : stat(pid);
        if (stat == null) {
            return Double.NaN;
        }
        long ticks = Long.parseLong(stat[13]) + Long.parseLong(stat[14]);
        if (withChildren) {
            ticks += Long.parseLong(stat[15]) + Long.parseLong(stat[16]);
        }
        return ticks;
    }

    /** The fields of /proc/pid/stat, numbered from 0 (pid) as in proc(5) minus one; the command is field 1. */
    private static String[] stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command (field 2) is in parentheses and may hold spaces: split after its closing one.
            String rest = line.substring(line.lastIndexOf(')') + 2);
            String[] tail = rest.split(" ");
            String[] fields = new String[tail.length + 2];
            fields[0] = Long.toString(pid);
            fields[1] = "cmd";
            System.arraycopy(tail, 0, fields, 2, tail.length);
            return fields;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static double jstatGcTime(long pid) {
        if (pid <= 0) {
            return Double.NaN;
        }
        try {
            Process jstat = new ProcessBuilder("jstat", "-gcutil", Long.toString(pid)).redirectErrorStream(true).start();
            String[] lines = new String(jstat.getInputStream().readAllBytes()).trim().split("\n");
            jstat.waitFor();
            if (lines.length < 2) {
                return Double.NaN;
            }
            String[] header = lines[0].trim().split("\\s+");
            String[] values = lines[lines.length - 1].trim().split("\\s+");
            for (int i = 0; i < header.length && i < values.length; i++) {
                if (header[i].equals("GCT")) {
                    return Double.parseDouble(values[i]);
                }
            }
            return Double.NaN;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private static double ticksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            getconf.waitFor();
            return Double.parseDouble(out);
        } catch (Exception e) {
            return 100;
        }
    }
}

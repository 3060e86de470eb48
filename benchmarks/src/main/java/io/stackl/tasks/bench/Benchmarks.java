package io.stackl.tasks.bench;

import io.stackl.tasks.infra.FreePorts;
import io.stackl.tasks.infra.LocalInfrastructure;
import io.stackl.tasks.infra.SharedInfrastructure;
import io.stackl.tasks.infra.StacklServices;
import io.stackl.tasks.schema.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How fast is Stackl Tasks, against Kafka itself, in one run: starts the real infrastructure and the four packaged
 * services, runs every cell (raw baselines first), prints Markdown tables, writes the raw figures as JSON under
 * {@code benchmarks/target/}, and stops everything it started, also on Ctrl-C. Started by {@code benchmarks/run.sh}.
 *
 * <p>Arguments: {@code [--quick] [--project-root DIR]}. Nothing here asserts a speed: it prints figures.
 */
public final class Benchmarks {

    /** How long and how hard each cell runs. */
    record Profile(String name, Bench.Timing timing, Duration suiteWarmUp, List<Integer> rates, List<Integer> rampRates,
            Duration rampStep, int failingTasks, int hotKeyTasks, List<Integer> keyRates, int timeoutTasks,
            int pacedTasks, int neighbourTasks) {

        static Profile quick() {
            return new Profile("quick", new Bench.Timing(Duration.ofSeconds(1), Duration.ofSeconds(3)),
                    Duration.ofSeconds(8), List.of(50, 200, 500),
                    List.of(200, 350, 500, 1000, 2000, 4000), Duration.ofSeconds(3), 10, 50, List.of(50, 100, 200, 500),
                    500, 20, 200);
        }

        static Profile full() {
            return new Profile("full", new Bench.Timing(Duration.ofSeconds(5), Duration.ofSeconds(15)),
                    Duration.ofSeconds(30), List.of(50, 200, 500, 1000), List.of(500, 1000, 1500, 2000, 3000, 4000, 6000, 8000),
                    Duration.ofSeconds(8), 40, 200, List.of(50, 100, 200, 400, 800), 5000, 80, 600);
        }
    }

    /** The groups of cells, in the order they run; {@code --only} picks some. */
    static final List<String> GROUPS = List.of("raw", "noop", "locks", "documents", "timeouts");

    private Benchmarks() {}

    public static void main(String[] args) throws Exception {
        Profile profile = Profile.full();
        Path root = Path.of(".");
        java.util.Set<String> only = new java.util.HashSet<>(GROUPS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> profile = Profile.quick();
                case "--only" -> only = java.util.Set.of(args[++i].split(","));
                case "--project-root" -> root = Path.of(args[++i]);
                default -> {
                    System.err.println("unknown argument: " + args[i]
                            + "\nusage: benchmarks/run.sh [--quick] [--only " + String.join(",", GROUPS) + "]");
                    System.exit(2);
                }
            }
        }
        root = root.toAbsolutePath().normalize();
        Path target = root.resolve("benchmarks/target");
        Path home = Files.createDirectories(target).resolve("bench-infra");
        SharedInfrastructure.deleteRecursively(home);
        Map<String, Object> machine = machine();
        System.out.printf("Machine: %s cores, load average %s, %s%n", machine.get("cores"), machine.get("loadAverage"),
                machine.get("java"));

        AtomicReference<StacklServices> services = new AtomicReference<>();
        AtomicReference<LocalInfrastructure> infra = new AtomicReference<>();
        // Ctrl-C, or the end: services first, then the infrastructure, then its data. Nothing is left running.
        Thread stop = new Thread(() -> {
            StacklServices s = services.getAndSet(null);
            if (s != null) {
                s.close();
            }
            LocalInfrastructure i = infra.getAndSet(null);
            if (i != null) {
                i.close();
            }
            SharedInfrastructure.deleteRecursively(home);
            // Kafka may still write its last checkpoint files while it exits: look once more.
            if (Files.exists(home)) {
                RawShapes.sleep(1_000);
                SharedInfrastructure.deleteRecursively(home);
            }
        }, "benchmarks-stop");
        Runtime.getRuntime().addShutdownHook(stop);

        System.out.println("Starting Kafka, PostgreSQL and the schema registry ...");
        infra.set(LocalInfrastructure.start(home));
        System.out.println("Starting the services ...");
        // Settings to try: every TASKS_* variable of the harness's environment goes to the services, so that an A/B
        // of a setting is two runs of the same build (the report lists them).
        Map<String, String> environment = new LinkedHashMap<>(overrides());
        environment.put("TASKS_BROKER_STATE_DIR", home.resolve("task-broker-state").toString());
        services.set(StacklServices.start(root, infra.get(), environment, target.resolve("bench-logs"),
                module -> FreePorts.any()));

        LocalInfrastructure running = infra.get();
        ProcessMeter meter = new ProcessMeter("postgres");
        meter.process("kafka", () -> running.kafka().pid(), true);
        meter.process("registry", () -> running.registry().pid(), true);
        meter.process("postgres", () -> running.postgres().pid(), false);
        services.get().all().forEach(s -> meter.process(s.name(), s::pid, true));
        meter.process("harness", () -> ProcessHandle.current().pid(), true);

        KafkaClients kafka = new KafkaClients(running.kafka().bootstrapServers());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("profile", profile.name());
        report.put("machine", machine);
        report.put("settings", settings(profile));
        Map<String, Double> gcBefore = meter.gcSeconds();
        List<CellResult> cells;
        long started = System.nanoTime();
        try (Bench bench = new Bench(kafka, running.serviceEnvironment().get("SCHEMA_REGISTRY_URL"),
                services.get().get("api-gateway").url(), profile.timing(), meter)) {
            bench.brokerUrl(services.get().get("task-broker").url());
            current = bench;
            cells = run(bench, kafka, profile, target.resolve("bench-streams-state"), only);
        }
        report.put("seconds", (System.nanoTime() - started) / 1e9);
        saveMetrics(services.get(), target.resolve("bench-metrics"));
        Map<String, Double> gcAfter = meter.gcSeconds();
        Map<String, Double> gc = new LinkedHashMap<>();
        gcAfter.forEach((name, value) -> gc.put(name, value - gcBefore.getOrDefault(name, 0.0)));
        report.put("gcSecondsDuringRun", gc);
        report.put("cells", cells);

        String markdown = Report.markdown(cells, gc, machine, settings(profile), profile.name());
        System.out.println();
        System.out.println(markdown);
        String stamp = Instant.now().toString().replace(":", "").replace(".", "");
        Path json = target.resolve("benchmark-" + profile.name() + "-" + stamp + ".json");
        Bench.JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
        Files.writeString(target.resolve("benchmark-" + profile.name() + "-" + stamp + ".md"), markdown);
        System.out.println("Raw figures: " + json);
    }

    /**
     * Each service's Prometheus metrics as the run left them, one file per service: counters that no cell reports (for
     * example the history service's refusals by reason) tell where time went.
     */
    private static void saveMetrics(StacklServices services, Path into) {
        try {
            Files.createDirectories(into);
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            for (var service : services.all()) {
                var response = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(service.url() + "/q/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                Files.writeString(into.resolve(service.name() + ".prom"), response.body());
            }
            System.out.println("Metrics of the services at the end: " + into);
        } catch (IOException e) {
            System.out.println("Could not save the services' metrics: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every cell, raw baselines first so that each task cell can be compared with the shape it is built on. */
    static List<CellResult> run(Bench bench, KafkaClients kafka, Profile profile, Path streamsState,
            java.util.Set<String> only) throws Exception {
        List<CellResult> cells = new ArrayList<>();
        Map<Integer, CellResult> plain = new LinkedHashMap<>();
        Map<Integer, CellResult> chain = new LinkedHashMap<>();
        Map<Integer, CellResult> restNoop = new LinkedHashMap<>();
        CellResult eosMax = null;
        // First of all, before any load has warmed Kafka or the services: a user's first tasks after a start. Issue 12
        // asks that the first be no slower than the tenth.
        progress("the first tasks after the start");
        String firstKeys = "bench/" + bench.runId() + "/first/";
        add(cells, bench.oneAtATime("first 10 document puts after the start, one at a time", 10,
                i -> Map.of("topic", "document", "subtype", "put", "arguments",
                        Map.of("key", firstKeys + i, "value", Map.of("n", i)), "changedDocumentKeys",
                        List.of(firstKeys + i)), "SUCCEEDED"));
        if (only.contains("raw")) {
            progress("raw baselines");
            try (RawShapes.Shape shape = RawShapes.plain(kafka)) {
                for (int rate : profile.rates()) {
                    plain.put(rate, add(cells, bench.raw(shape, rate)));
                }
            }
            try (RawShapes.Shape shape = RawShapes.exactlyOnceHop(kafka, streamsState)) {
                for (int rate : profile.rates()) {
                    add(cells, bench.raw(shape, rate));
                }
                eosMax = add(cells, bench.rawRamp(shape, profile.rampRates(), profile.rampStep()));
            }
            try (RawShapes.Shape shape = RawShapes.chain(kafka, streamsState)) {
                for (int rate : profile.rates()) {
                    chain.put(rate, add(cells, bench.raw(shape, rate)));
                }
            }
        }

        // The services have just started: on 2 cores their JIT, and the registry's first schema lookups, cost more
        // CPU per task than the machine has for a minute or so (measured: REST no-op p50 of seconds at 20/s, and ~100
        // CPU-s per 1,000 tasks, against 7 once warm). A mixed load first, through both doors and the history service,
        // so that the cells measure the suite warm. Its figures are printed (the first tasks after a start are a
        // figure of their own), not compared.
        progress("the suite, warming up");
        Bench.Timing warm = new Bench.Timing(Duration.ZERO, profile.suiteWarmUp());
        String warmKeys = "bench/" + bench.runId() + "/warm-up/";
        add(cells, bench.withTiming(warm, () -> bench.rest("warm-up: no-op task over REST", 20,
                i -> Map.of("topic", "noop", "subtype", "run"), "SUCCEEDED")));
        add(cells, bench.withTiming(warm, () -> bench.produced("warm-up: no-op task onto task-requests", 200,
                id -> bench.task(id, "noop", "run", Map.of(), List.of(), 30_000))));
        add(cells, bench.withTiming(warm, () -> bench.rest("warm-up: document/batch, 1 put", 20,
                i -> batch(warmKeys + i + "/", 1, false), "SUCCEEDED")));

        if (only.contains("noop")) {
            progress("no-op tasks");
            for (int rate : profile.rates()) {
                CellResult rest = bench.rest("no-op task over REST", rate,
                        i -> Map.of("topic", "noop", "subtype", "run"), "SUCCEEDED");
                restNoop.put(rate, add(cells, rest.comparedWith(chain.get(rate)).with("vs raw plain p50 ×",
                        plain.containsKey(rate) ? rest.p50() / plain.get(rate).p50() : Double.NaN)));
            }
            for (int rate : profile.rates()) {
                add(cells, bench.produced("no-op task onto task-requests", rate,
                        id -> bench.task(id, "noop", "run", Map.of(), List.of(), 10_000)).comparedWith(chain.get(rate)));
            }
            CellResult sustained = bench.producedRamp("no-op tasks onto task-requests: max sustained",
                    profile.rampRates(), profile.rampStep(), id -> bench.task(id, "noop", "run", Map.of(), List.of(),
                            30_000)).comparedWith(eosMax);
            if (eosMax != null) {
                // What this cell compares is throughput: its sustained rate over the raw hop's.
                sustained.with("sustained ÷ raw exactly-once hop sustained", sustained.offeredPerSecond()
                        / eosMax.offeredPerSecond());
            }
            add(cells, sustained);
            add(cells, fastBesideSlow(bench, profile));
        }

        if (only.contains("locks")) {
            // Latency-bound cells, nothing else running: what taking a free key and handing on a held one cost.
            progress("locks");
            for (int keyCount : List.of(0, 1, 10)) {
                add(cells, keysToDispatch(bench, profile, keyCount));
            }
            add(cells, hotKey(bench, profile));
        }
        if (only.contains("documents")) {
            progress("document tasks");
            int batchRate = 50;
            CellResult noopAt50 = restNoop.containsKey(batchRate) ? restNoop.get(batchRate)
                    : add(cells, bench.rest("no-op task over REST", batchRate,
                            i -> Map.of("topic", "noop", "subtype", "run"), "SUCCEEDED"));
            add(cells, tenPutsAlone(bench, profile));
            for (int puts : List.of(1, 10)) {
                String prefix = "bench/" + bench.runId() + "/batch" + puts + "/";
                add(cells, bench.rest("document/batch, " + puts + " put(s) on " + puts + " key(s)", batchRate,
                        i -> batch(prefix + i + "/", puts, false), "SUCCEEDED").comparedWith(noopAt50));
            }
            add(cells, rollbacks(bench, profile));
            String keys64 = "bench/" + bench.runId() + "/k64/";
            add(cells, bench.producedRamp("64 keys, document/increment: max sustained", profile.keyRates(),
                    profile.rampStep(), id -> {
                        String key = keys64 + Math.floorMod(id.hashCode(), 64);
                        return bench.task(id, "document", "increment", Map.of("key", key), List.of(key), 30_000);
                    }));
        }

        if (only.contains("timeouts")) {
            progress("timeouts");
            add(cells, timeouts(bench, profile));
            progress("retries");
            add(cells, retries(bench));
        }
        return cells;
    }

    /**
     * No-op tasks declaring {@code keyCount} keys nobody else asks for, one every 150 ms: what taking the locks adds
     * between acceptance and dispatch, without contention (broker clock: SUBMITTED → DISPATCHED).
     */
    private static CellResult keysToDispatch(Bench bench, Profile profile, int keyCount) throws Exception {
        String prefix = "bench/" + bench.runId() + "/keys" + keyCount + "/";
        Map<String, List<Bench.Seen>> seen = bench.paced("keys" + keyCount, profile.pacedTasks(),
                Duration.ofMillis(150), id -> bench.task(id, "noop", "run", Map.of(), keys(prefix + id + "/", keyCount),
                        30_000), Duration.ofMinutes(1));
        Latencies toDispatch = new Latencies();
        seen.values().forEach(events -> brokerInterval(toDispatch, events, TaskState.SUBMITTED, TaskState.DISPATCHED));
        return CellResult.of("no-op declaring " + keyCount + " key(s), no contention",
                "SUBMITTED → DISPATCHED (broker clock)", toDispatch, 1000.0 / 150, Double.NaN);
    }

    /**
     * No-op tasks onto {@code task-requests}, 40 a second, of which every tenth sleeps 1 s in its handler: how long
     * the fast ones take from dispatch to success (broker clock) while slow neighbours hold worker slots. A worker that
     * waits for a whole poll's items before it answers any, or takes new ones, makes the fast ones wait for the slow.
     */
    private static CellResult fastBesideSlow(Bench bench, Profile profile) throws Exception {
        Map<String, List<Bench.Seen>> seen = bench.paced("beside-slow", profile.neighbourTasks(), Duration.ofMillis(25),
                id -> everyTenth(id)
                        ? bench.task(id, "noop", "sleep", Map.of("ms", 1000), List.of(), 10_000)
                        : bench.task(id, "noop", "run", Map.of(), List.of(), 10_000), Duration.ofMinutes(2));
        Latencies fast = new Latencies();
        int slow = 0;
        for (Map.Entry<String, List<Bench.Seen>> task : seen.entrySet()) {
            if (everyTenth(task.getKey())) {
                slow++;
            } else {
                brokerInterval(fast, task.getValue(), TaskState.DISPATCHED, TaskState.SUCCEEDED);
            }
        }
        return CellResult.of("no-op beside slow neighbours (1 in 10 sleeps 1 s), 40/s", "fast ones: DISPATCHED → "
                + "SUCCEEDED (broker clock)", fast, 40, Double.NaN).with("slowTasks", slow);
    }

    /** The paced task ids end in their index. */
    private static boolean everyTenth(String pacedId) {
        return Integer.parseInt(pacedId.substring(pacedId.lastIndexOf('-') + 1)) % 10 == 0;
    }

    /**
     * {@code document/batch} tasks of 10 puts on 10 keys nobody else asks for, one every 300 ms: the "10 puts
     * in 100 ms" without contention or load, from acceptance to success (broker clock), split at dispatch.
     */
    private static CellResult tenPutsAlone(Bench bench, Profile profile) throws Exception {
        String prefix = "bench/" + bench.runId() + "/alone/";
        Map<String, List<Bench.Seen>> seen = bench.paced("ten-puts-alone", profile.pacedTasks(),
                Duration.ofMillis(300), id -> bench.task(id, "document", "batch",
                        batch(prefix + id + "/", 10, false).get("arguments"), keys(prefix + id + "/", 10), 30_000),
                Duration.ofMinutes(1));
        Latencies total = new Latencies();
        Latencies afterDispatch = new Latencies();
        seen.values().forEach(events -> {
            brokerInterval(total, events, TaskState.SUBMITTED, TaskState.SUCCEEDED);
            brokerInterval(afterDispatch, events, TaskState.DISPATCHED, TaskState.SUCCEEDED);
        });
        return CellResult.of("document/batch, 10 puts on 10 keys, no contention", "SUBMITTED → SUCCEEDED (broker clock)",
                total, 1000.0 / 300, Double.NaN).with("dispatchedToSucceededP50Ms", afterDispatch.percentileMs(50))
                .with("dispatchedToSucceededP99Ms", afterDispatch.percentileMs(99));
    }

    /** The 10 puts ending in a failing operation: from the FAILED event seen to the ROLLED_BACK event seen. */
    private static CellResult rollbacks(Bench bench, Profile profile) throws Exception {
        String prefix = "bench/" + bench.runId() + "/failing/";
        Map<String, List<Bench.Seen>> seen = bench.paced("failing-batch", profile.failingTasks(), Duration.ofMillis(200),
                id -> bench.task(id, "document", "batch", batch(prefix + id + "/", 10, true).get("arguments"),
                        keys(prefix + id + "/", 11), 30_000), Duration.ofMinutes(2));
        Latencies consumer = new Latencies();
        Latencies broker = new Latencies();
        seen.values().forEach(events -> {
            Bench.Seen failed = first(events, TaskState.FAILED);
            Bench.Seen rolledBack = first(events, TaskState.ROLLED_BACK);
            if (failed == null || rolledBack == null) {
                consumer.error();
                return;
            }
            consumer.record((rolledBack.seenNanos() - failed.seenNanos()) / 1_000);
            broker.record(Duration.between(failed.event().getOccurredAt(), rolledBack.event().getOccurredAt())
                    .toNanos() / 1_000);
        });
        return CellResult.of("10 puts then a failing operation: rollback", "FAILED seen → ROLLED_BACK seen", consumer,
                5, Double.NaN).with("brokerP50Ms", broker.percentileMs(50)).with("brokerP99Ms", broker.percentileMs(99));
    }

    /** Many increments of one key at once: tasks/s, and the hand-off from one SUCCEEDED to the next DISPATCHED. */
    private static CellResult hotKey(Bench bench, Profile profile) throws Exception {
        String key = "bench/" + bench.runId() + "/hot";
        Map<String, Double> cpuBefore = bench.cpu();
        long sentAt = System.nanoTime();
        Map<String, List<Bench.Seen>> seen = bench.burst("hot-key", profile.hotKeyTasks(),
                id -> bench.task(id, "document", "increment", Map.of("key", key), List.of(key), 30_000),
                Duration.ofSeconds(profile.hotKeyTasks() * 2L));
        record Run(Instant dispatched, Instant succeeded, long succeededSeen) {}
        List<Run> runs = new ArrayList<>();
        long errors = 0;
        for (List<Bench.Seen> events : seen.values()) {
            Bench.Seen dispatched = first(events, TaskState.DISPATCHED);
            Bench.Seen succeeded = first(events, TaskState.SUCCEEDED);
            if (dispatched == null || succeeded == null) {
                errors++;
                continue;
            }
            runs.add(new Run(dispatched.event().getOccurredAt(), succeeded.event().getOccurredAt(),
                    succeeded.seenNanos()));
        }
        runs.sort(Comparator.comparing(Run::succeeded));
        Latencies handOff = new Latencies();
        for (int i = 1; i < runs.size(); i++) {
            handOff.record(Math.max(0, Duration.between(runs.get(i - 1).succeeded(), runs.get(i).dispatched())
                    .toNanos() / 1_000));
        }
        for (long e = 0; e < errors; e++) {
            handOff.error();
        }
        long lastSeen = runs.stream().mapToLong(Run::succeededSeen).max().orElse(sentAt);
        double perSecond = runs.size() / ((lastSeen - sentAt) / 1e9);
        return CellResult.of("one hot key: " + profile.hotKeyTasks() + " increments at once",
                "hand-off: SUCCEEDED → next DISPATCHED (broker clock)", handOff, Double.NaN, perSecond)
                .with("tasksPerSecond", perSecond)
                .withCpu(ProcessMeter.perThousand(cpuBefore, bench.cpu(), profile.hotKeyTasks()));
    }

    /** Tasks with a 2 s execution timeout, all at once, each sleeping past it: how late the timeouts are. */
    private static CellResult timeouts(Bench bench, Profile profile) throws Exception {
        Map<String, List<Bench.Seen>> seen = bench.burst("timeouts", profile.timeoutTasks(),
                id -> bench.task(id, "noop", "sleep", Map.of("ms", 4_000), List.of(), 2_000), Duration.ofMinutes(3));
        return lateness(profile.timeoutTasks() + " tasks with a 2 s timeout at once",
                "lateness: TIMED_OUT occurredAt − deadline (broker)", seen,
                events -> first(events, TaskState.DISPATCHED), events -> first(events, TaskState.TIMED_OUT));
    }

    /** Retries whose backoff is measured: one per task, each task failing its first attempt (ADR 0012). */
    static final int RETRIED_TASKS = 1_000;

    /**
     * {@value #RETRIED_TASKS} tasks at once whose first attempt fails (a handler exception, retryable) and whose retry
     * waits 2 s: how late the second attempt is dispatched after its backoff's end. The backoff is a deadline in the
     * same index as the timeouts, so this is the retry's share of "never early, and how late".
     */
    private static CellResult retries(Bench bench) throws Exception {
        Map<String, List<Bench.Seen>> seen = bench.burst("retries", RETRIED_TASKS,
                id -> bench.task(id, "noop", "throw", Map.of(), List.of(), 10_000).setRetryPolicy(
                        io.stackl.tasks.schema.RetryPolicy.newBuilder().setMaxAttempts(2).setInitialBackoffMs(2_000)
                                .setMaxBackoffMs(2_000).setJitter(0).build()),
                Duration.ofMinutes(3));
        return lateness(RETRIED_TASKS + " retries after a 2 s backoff, at once",
                "lateness: attempt 2 DISPATCHED occurredAt − backoff end (broker)", seen,
                events -> first(events, TaskState.RETRY_WAITING),
                events -> events.stream().filter(e -> e.event().getState() == TaskState.DISPATCHED
                        && e.event().getAttempt() == 2).findFirst().orElse(null));
    }

    /**
     * How late a wall-clock deadline fired, per task: {@code armed} is the event that carries the deadline,
     * {@code fired} the event the deadline caused; at the broker (its event time) and as a read_committed consumer
     * saw it. An event before its deadline counts as early.
     */
    private static CellResult lateness(String name, String measured, Map<String, List<Bench.Seen>> seen,
            Function<List<Bench.Seen>, Bench.Seen> armed, Function<List<Bench.Seen>, Bench.Seen> fired) {
        Latencies atBroker = new Latencies();
        Latencies asSeen = new Latencies();
        long early = 0;
        for (List<Bench.Seen> events : seen.values()) {
            Bench.Seen set = armed.apply(events);
            Bench.Seen fire = fired.apply(events);
            if (set == null || fire == null || set.event().getDeadline() == null) {
                atBroker.error();
                continue;
            }
            Instant deadline = set.event().getDeadline();
            long brokerLateness = Duration.between(deadline, fire.event().getOccurredAt()).toNanos() / 1_000;
            if (brokerLateness < 0) {
                early++;
            }
            atBroker.record(Math.max(0, brokerLateness));
            asSeen.record(Math.max(0, Duration.between(deadline, fire.seenAt()).toNanos() / 1_000));
        }
        return CellResult.of(name, measured, atBroker, Double.NaN, Double.NaN)
                .with("early", early).with("seenP50Ms", asSeen.percentileMs(50))
                .with("seenP99Ms", asSeen.percentileMs(99)).with("seenMaxMs", asSeen.maxMs());
    }

    /** Records the time between the task's first events in two states (broker clock), or an error if one is missing. */
    private static void brokerInterval(Latencies into, List<Bench.Seen> events, TaskState from, TaskState to) {
        Bench.Seen start = first(events, from);
        Bench.Seen end = first(events, to);
        if (start == null || end == null) {
            into.error();
            return;
        }
        into.record(Duration.between(start.event().getOccurredAt(), end.event().getOccurredAt()).toNanos() / 1_000);
    }

    private static Bench.Seen first(List<Bench.Seen> events, TaskState state) {
        synchronized (events) {
            return events.stream().filter(e -> e.event().getState() == state).findFirst().orElse(null);
        }
    }

    /** A {@code document/batch} REST body: {@code puts} puts on as many keys, then optionally a failing patch. */
    static Map<String, Object> batch(String keyPrefix, int puts, boolean failAtTheEnd) {
        List<Map<String, Object>> operations = new ArrayList<>();
        for (int j = 0; j < puts; j++) {
            operations.add(Map.of("op", "put", "key", keyPrefix + j, "value", Map.of("n", j)));
        }
        if (failAtTheEnd) {
            operations.add(Map.of("op", "patch", "key", keyPrefix + puts, "value", Map.of("x", 1)));
        }
        return Map.of("topic", "document", "subtype", "batch", "arguments", Map.of("operations", operations),
                "changedDocumentKeys", keys(keyPrefix, failAtTheEnd ? puts + 1 : puts));
    }

    private static List<String> keys(String prefix, int count) {
        List<String> keys = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            keys.add(prefix + j);
        }
        return keys;
    }

    private static Bench current;

    private static CellResult add(List<CellResult> cells, CellResult cell) throws InterruptedException {
        cells.add(cell);
        System.out.println("  " + Report.oneLine(cell));
        if (current != null) {
            long waited = current.quiesce();
            if (waited > 1_000) {
                System.out.printf("  (waited %.1f s for the suite to finish that cell's tasks)%n", waited / 1000.0);
                cell.with("backlogDrainedSeconds", waited / 1000.0);
            }
        }
        return cell;
    }

    private static void progress(String what) {
        System.out.println("Running: " + what + " ...");
    }

    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        try {
            machine.put("loadAverage", Files.readString(Path.of("/proc/loadavg")).trim());
        } catch (IOException e) {
            machine.put("loadAverage", "unknown");
        }
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("kafkaClients", org.apache.kafka.common.utils.AppInfoParser.getVersion());
        machine.put("startedAt", Instant.now().toString());
        return machine;
    }

    /** The TASKS_* variables of this process's environment: settings the services are run with. */
    static Map<String, String> overrides() {
        Map<String, String> overrides = new java.util.TreeMap<>();
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("TASKS_")) {
                overrides.put(name, value);
            }
        });
        return overrides;
    }

    static Map<String, Object> settings(Profile profile) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("overrides (TASKS_* environment)", overrides().isEmpty() ? "none" : overrides());
        settings.put("profile", profile.name());
        settings.put("warmUpSeconds", Bench.seconds(profile.timing().warmUp()));
        settings.put("measureSeconds", Bench.seconds(profile.timing().measure()));
        settings.put("partitions", KafkaClients.PARTITIONS);
        settings.put("services", "defaults of each module's application.properties (task broker: exactly_once_v2,"
                + " commit.interval.ms 10, poll.ms 10, 2 stream threads, linger 1 ms)");
        settings.put("rawClients", "producers acks=all, idempotent, linger 1 ms; exactly-once stages: Kafka Streams"
                + " with the broker's settings; consumers read_committed after an exactly-once stage");
        return settings;
    }
}

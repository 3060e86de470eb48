package io.stackl.tasks.infra;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, or any binary on the PATH) scraping the services with
 * the shipped configuration, {@code deploy/prometheus/prometheus.yml}, and its rules: only the targets are moved to
 * where the services listen, and the intervals may be shortened. Used by {@code deploy/run-local.sh
 * --with-monitoring} and by the e2e suite, which checks every rule and dashboard query against it.
 */
public final class Prometheus implements AutoCloseable {

    /** A static target of the shipped configuration: {@code - targets: ["host:port"]} then its service label. */
    private static final Pattern TARGET = Pattern.compile(
            "- targets: \\[\"[^\"]*\"\\](\\s*\\n\\s*labels: \\{service: ([a-z-]+)\\})");

    private final ChildProcess process;
    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Prometheus(ChildProcess process, String url) {
        this.process = process;
        this.url = url;
    }

    /** The Prometheus binary: {@code STACKL_PROMETHEUS}, else {@code prometheus} on the PATH, else Debian's. */
    public static Optional<Path> binary() {
        String configured = System.getenv("STACKL_PROMETHEUS");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.of(Path.of("/usr/bin/prometheus")).filter(Files::isExecutable);
    }

    /**
     * Starts Prometheus on {@code port} with its data in {@code dir}, scraping each service at the address given for
     * it ({@code host:port}) every {@code interval}, rules evaluated as often, and waits until it is ready.
     */
    public static Prometheus start(Path projectRoot, Map<String, String> targetsByService, Path dir, int port,
            Duration interval) {
        Path binary = binary().orElseThrow(() -> new InfrastructureException("no Prometheus binary: install Debian's "
                + "prometheus package (or put prometheus on the PATH, or set STACKL_PROMETHEUS)"));
        Path shipped = projectRoot.resolve("deploy/prometheus/prometheus.yml");
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, configFor(Files.readString(shipped), targetsByService,
                    projectRoot.resolve("deploy/prometheus").toAbsolutePath(), interval));
            Path pidFile = dir.resolve("prometheus.pid");
            ChildProcess.killStale(pidFile, dir.toAbsolutePath().toString());
            String address = "127.0.0.1:" + port;
            ChildProcess process = ChildProcess.start("prometheus", List.of(binary.toString(),
                    "--config.file=" + config.toAbsolutePath(),
                    "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(),
                    "--web.listen-address=" + address, "--log.level=warn"), Map.of(), dir,
                    dir.resolve("prometheus.log"), pidFile);
            Prometheus prometheus = new Prometheus(process, "http://" + address);
            prometheus.awaitReady(Duration.ofSeconds(60));
            return prometheus;
        } catch (IOException e) {
            throw new InfrastructureException("Prometheus could not be prepared in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The shipped configuration with the targets, the intervals and the rules' folder of this run. */
    static String configFor(String shipped, Map<String, String> targetsByService, Path rulesDir, Duration interval) {
        Set<String> moved = new HashSet<>();
        Matcher target = TARGET.matcher(shipped);
        StringBuilder config = new StringBuilder();
        while (target.find()) {
            String service = target.group(2);
            String address = targetsByService.get(service);
            if (address == null) {
                throw new InfrastructureException("no address given for " + service + ", which prometheus.yml scrapes");
            }
            moved.add(service);
            target.appendReplacement(config, Matcher.quoteReplacement("- targets: [\"" + address + "\"]"
                    + target.group(1)));
        }
        target.appendTail(config);
        if (!moved.equals(targetsByService.keySet())) {
            throw new InfrastructureException("prometheus.yml scrapes " + moved + ", not " + targetsByService.keySet());
        }
        String seconds = interval.toSeconds() + "s";
        String result = config.toString()
                .replaceFirst("(?m)^  scrape_interval: .*$", "  scrape_interval: " + seconds
                        + "\n  evaluation_interval: " + seconds)
                .replaceFirst("(?m)^  - stackl-tasks-rules.yaml$", "  - " + rulesDir.resolve("stackl-tasks-rules.yaml"));
        if (!result.contains(rulesDir.resolve("stackl-tasks-rules.yaml").toString())) {
            throw new InfrastructureException("prometheus.yml no longer loads stackl-tasks-rules.yaml");
        }
        return result;
    }

    public String url() {
        return url;
    }

    /** {@code GET /api/v1/query}: the raw JSON answer of an instant query evaluated at {@code at}. */
    public String query(String promql, Instant at) {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&time="
                + at.getEpochSecond() + "." + String.format("%03d", at.getNano() / 1_000_000));
    }

    /** {@code GET path} on the server's API, e.g. {@code /api/v1/alerts}: the JSON answer, whatever its status. */
    public String get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new InfrastructureException("Prometheus did not answer " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfrastructureException("interrupted", e);
        }
    }

    private void awaitReady(Duration timeout) {
        process.awaitReady("Prometheus", timeout, 200, () -> http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    @Override
    public void close() {
        process.close();
    }
}

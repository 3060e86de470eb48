package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.stackl.tasks.cli.Stackl;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The {@code stackl} command line against the real suite: what it prints, and its exit code per terminal state
 * (0 SUCCEEDED, 1 error, 3 ROLLED_BACK, 5 REJECTED, 6 not ended). {@code bin/stackl}, the launcher a user puts on the
 * PATH, runs as a process where the process matters (its exit code, stdin, a command running beside others, an error
 * line on stderr, the JVM's start); the other checks run the same command line in this JVM, which saves a JVM start
 * per command.
 */
class CliE2ETest {

    private static final Path STACKL = Path.of("..", "bin", "stackl").toAbsolutePath().normalize();
    private static Suite suite;

    record Run(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return Suite.JSON.readTree(out);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        suite = Suite.get();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(
                () -> stackl("submit", "noop", "run", "--wait", "--wait-for", "5s").exit() == 0);
        // The launcher itself: a JVM started from bin/stackl, its exit code and its output.
        Run launched = launcher(null, "submit", "noop", "run", "-a", "x=1", "--wait");
        assertThat(launched.exit()).isZero();
        assertThat(launched.out()).contains("SUCCEEDED").contains("{\"x\":1}");
    }

    @Test
    void shouldSubmitAndWaitExitingWithTheCodeOfEachEnd() throws Exception {
        String key = "cli-e2e/" + UUID.randomUUID();
        Run put = stackl("submit", "document", "put", "-a", "key=" + key, "-a", "value={\"replicas\": 3}",
                "--keys", key, "--wait");
        assertThat(put.exit()).isZero();
        assertThat(put.out()).contains("SUCCEEDED").contains("\"version\":1");

        Run failed = stackl("-o", "json", "submit", "noop", "fail", "--wait");
        assertThat(failed.exit()).isEqualTo(3);
        assertThat(failed.json().path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(failed.json().path("reason").asText()).startsWith("REQUESTED_FAILURE");

        Run rejected = stackl("-o", "json", "submit", "payments", "run", "--wait");
        assertThat(rejected.exit()).as("REJECTED").isEqualTo(5);
        assertThat(rejected.json().path("rejectionCode").asText()).isEqualTo("UNKNOWN_TOPIC");
        // watch of a task that has ended says so at once, with the same exit code.
        assertThat(stackl("watch", rejected.json().path("taskId").asText()).exit()).isEqualTo(5);
        String succeeded = put.out().lines().filter(l -> l.startsWith("task:")).findFirst().orElseThrow()
                .substring("task:".length()).strip();
        Run watchedSuccess = stackl("watch", "--lines", succeeded);
        assertThat(watchedSuccess.exit()).isZero();
        assertThat(watchedSuccess.out()).contains("DISPATCHED").contains("SUCCEEDED");

        Run slow = stackl("submit", "noop", "sleep", "-a", "ms=5000", "--wait", "--wait-for", "1s");
        assertThat(slow.exit()).as("not ended within the wait").isEqualTo(6);
        assertThat(slow.err()).contains("stackl watch");
    }

    @Test
    void shouldTakeArgumentsFromAYamlFileOnStdin() throws Exception {
        Run run = launcher("x: 7\nnested:\n  list: [1, 2]\n", "-o", "json", "submit", "noop", "run", "-f", "-",
                "-a", "y=word", "--wait");
        assertThat(run.exit()).isZero();
        assertThat(run.json().path("output").path("x").asInt()).isEqualTo(7);
        assertThat(run.json().path("output").path("nested").path("list").size()).isEqualTo(2);
        assertThat(run.json().path("output").path("y").asText()).isEqualTo("word");
    }

    @Test
    void shouldWatchATaskThatIsCancelledAndRolledBack() throws Exception {
        String taskId = stackl("submit", "noop", "sleep", "-a", "ms=20000").out().strip();
        Process watch = start(null, "watch", "--lines", taskId);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> stackl("-o", "json", "get", taskId).json().path("state").asText().equals("DISPATCHED"));

        Run cancel = stackl("cancel", taskId, "--reason", "from the cli test");
        assertThat(cancel.exit()).isZero();

        Run watched = finish(watch);
        assertThat(watched.exit()).as("ROLLED_BACK").isEqualTo(3);
        assertThat(watched.out()).contains("DISPATCHED").contains("CANCELLED").contains("ROLLED_BACK")
                .contains("from the cli test");
        Run result = stackl("result", taskId);
        assertThat(result.exit()).isEqualTo(3);
        assertThat(result.out()).contains("ROLLED_BACK");
    }

    @Test
    void shouldReadDocumentsTheirHistoryAndTasks() throws Exception {
        String key = "cli-e2e/" + UUID.randomUUID();
        for (int n = 1; n <= 2; n++) {
            assertThat(stackl("submit", "document", "put", "-a", "key=" + key, "-a", "value={\"n\": " + n + "}",
                    "--keys", key, "--wait").exit()).isZero();
        }

        Run get = stackl("-o", "json", "docs", "get", key);
        assertThat(get.json().path("value").path("n").asInt()).isEqualTo(2);
        assertThat(get.json().path("version").asInt()).isEqualTo(2);
        Run history = stackl("-o", "json", "docs", "history", key);
        assertThat(history.json()).hasSize(2);
        assertThat(history.json().get(0).path("previousValue").path("n").asInt()).isEqualTo(1);
        Run table = stackl("docs", "history", key);
        assertThat(table.out()).contains("CHANGED AT").contains("(new)").contains("{\"n\":1}");
        assertThat(stackl("-o", "yaml", "docs", "list", key).out()).contains("key: " + key).contains("n: 2");
        Run list = stackl("list", "--topic", "document", "-n", "5");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("UPDATED").contains("document/put");
    }

    @Test
    void shouldPrintEachErrorAsOneLineAndTheWholeProblemWithVerbose() throws Exception {
        Run tooLong = launcher(null, "submit", "noop", "run", "--timeout", "3000d");
        assertThat(tooLong.exit()).isEqualTo(1);
        assertThat(tooLong.err().strip()).isEqualTo(
                "error: 400 /problems/invalid-task: timeoutMs must be at most 86400000 ms, was 259200000000");

        Run verbose = stackl("-v", "get", "no-such-task");
        assertThat(verbose.exit()).isEqualTo(1);
        assertThat(verbose.err()).startsWith("error: 404 /problems/task-not-found").contains("\"instance\"");

        Run usage = stackl("submit", "noop");
        assertThat(usage.exit()).as("a usage error").isEqualTo(2);

        Run unreachable = launcher(null, "--url", "http://127.0.0.1:9", "list");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("error: cannot reach the gateway at http://127.0.0.1:9");
    }

    @Test
    void shouldTailEveryTasksEventsAsTheyHappen() throws Exception {
        Process tail = start(null, "tail", "--topic", "noop", "--for", "8s");
        // Events are not replayed: submit once the tail's JVM has started and the gateway is listening for it.
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> suite.gatewayOpenListeners() >= 1);
        String taskId = stackl("-o", "json", "submit", "noop", "run", "--wait").json().path("taskId").asText();

        Run tailed = finish(tail);
        assertThat(tailed.out()).contains(taskId).contains("SUCCEEDED").contains("noop/run");
    }

    @Test
    void shouldGenerateShellCompletion() throws Exception {
        Run completion = stackl("generate-completion");
        assertThat(completion.exit()).isZero();
        assertThat(completion.out()).contains("complete -F").contains("stackl");
    }

    /** The command line run in this JVM, against the suite's gateway. */
    private static Run stackl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Stackl.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        List<String> withUrl = new ArrayList<>(List.of("--url", suite.gateway.url()));
        withUrl.addAll(List.of(args));
        int exit = line.execute(withUrl.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code bin/stackl} run as a process. */
    private static Run launcher(String stdin, String... args) throws IOException, InterruptedException {
        return finish(start(stdin, args));
    }

    private static Process start(String stdin, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(STACKL.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("STACKL_URL", suite.gateway.url());
        builder.environment().put("STACKL_CONFIG", "/nonexistent");
        Process process = builder.start();
        if (stdin != null) {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        return process;
    }

    private static Run finish(Process process) throws InterruptedException {
        // Both streams are read on their own threads, so that a full pipe cannot block the process and a process that
        // hangs fails the test after 90 s instead of hanging it.
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("stackl did not end within 90 s; printed: " + out.getNow("") + err.getNow(""));
        }
        return new Run(process.exitValue(), out.join(), err.join());
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
    }

    static {
        if (!Files.isExecutable(STACKL)) {
            throw new IllegalStateException(STACKL + " is missing or not executable");
        }
    }
}

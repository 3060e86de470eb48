package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/stackl}, the launcher a user puts on the PATH, run as a process against the real suite: what it prints,
 * and its exit code per terminal state (0 SUCCEEDED, 1 error, 3 ROLLED_BACK, 5 REJECTED, 6 not ended).
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
    static void start() {
        suite = Suite.get();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(
                () -> stackl(null, "submit", "noop", "run", "--wait", "--wait-for", "5s").exit() == 0);
    }

    @Test
    void shouldSubmitAndWaitExitingWithTheCodeOfEachEnd() throws Exception {
        String key = "cli-e2e/" + UUID.randomUUID();
        Run put = stackl(null, "submit", "document", "put", "-a", "key=" + key, "-a", "value={\"replicas\": 3}",
                "--keys", key, "--wait");
        assertThat(put.exit()).isZero();
        assertThat(put.out()).contains("SUCCEEDED").contains("\"version\":1");

        Run failed = stackl(null, "-o", "json", "submit", "noop", "fail", "--wait");
        assertThat(failed.exit()).isEqualTo(3);
        assertThat(failed.json().path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(failed.json().path("reason").asText()).startsWith("REQUESTED_FAILURE");

        assertThat(stackl(null, "submit", "payments", "run", "--wait").exit()).as("REJECTED").isEqualTo(5);

        Run slow = stackl(null, "submit", "noop", "sleep", "-a", "ms=5000", "--wait", "--wait-for", "1s");
        assertThat(slow.exit()).as("not ended within the wait").isEqualTo(6);
        assertThat(slow.err()).contains("stackl watch");
    }

    @Test
    void shouldTakeArgumentsFromAYamlFileOnStdin() throws Exception {
        Run run = stackl("x: 7\nnested:\n  list: [1, 2]\n", "-o", "json", "submit", "noop", "run", "-f", "-",
                "-a", "y=word", "--wait");
        assertThat(run.exit()).isZero();
        assertThat(run.json().path("output").path("x").asInt()).isEqualTo(7);
        assertThat(run.json().path("output").path("nested").path("list").size()).isEqualTo(2);
        assertThat(run.json().path("output").path("y").asText()).isEqualTo("word");
    }

    @Test
    void shouldWatchATaskThatIsCancelledAndRolledBack() throws Exception {
        String taskId = stackl(null, "submit", "noop", "sleep", "-a", "ms=20000").out().strip();
        Process watch = start(null, "watch", "--lines", taskId);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(
                () -> stackl(null, "-o", "json", "get", taskId).json().path("state").asText().equals("DISPATCHED"));

        Run cancel = stackl(null, "cancel", taskId, "--reason", "from the cli test");
        assertThat(cancel.exit()).isZero();

        Run watched = finish(watch);
        assertThat(watched.exit()).as("ROLLED_BACK").isEqualTo(3);
        assertThat(watched.out()).contains("DISPATCHED").contains("CANCELLED").contains("ROLLED_BACK")
                .contains("from the cli test");
        Run result = stackl(null, "result", taskId);
        assertThat(result.exit()).isEqualTo(3);
        assertThat(result.out()).contains("ROLLED_BACK");
    }

    @Test
    void shouldReadDocumentsTheirHistoryAndTasks() throws Exception {
        String key = "cli-e2e/" + UUID.randomUUID();
        for (int n = 1; n <= 2; n++) {
            assertThat(stackl(null, "submit", "document", "put", "-a", "key=" + key, "-a", "value={\"n\": " + n + "}",
                    "--keys", key, "--wait").exit()).isZero();
        }

        Run get = stackl(null, "-o", "json", "docs", "get", key);
        assertThat(get.json().path("value").path("n").asInt()).isEqualTo(2);
        assertThat(get.json().path("version").asInt()).isEqualTo(2);
        Run history = stackl(null, "-o", "json", "docs", "history", key);
        assertThat(history.json()).hasSize(2);
        assertThat(history.json().get(0).path("previousValue").path("n").asInt()).isEqualTo(1);
        Run table = stackl(null, "docs", "history", key);
        assertThat(table.out()).contains("CHANGED AT").contains("(new)").contains("{\"n\":1}");
        assertThat(stackl(null, "-o", "yaml", "docs", "list", key).out()).contains("key: " + key).contains("n: 2");
        Run list = stackl(null, "list", "--topic", "document", "-n", "5");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("UPDATED").contains("document/put");
    }

    @Test
    void shouldPrintEachErrorAsOneLineAndTheWholeProblemWithVerbose() throws Exception {
        Run tooLong = stackl(null, "submit", "noop", "run", "--timeout", "3000d");
        assertThat(tooLong.exit()).isEqualTo(1);
        assertThat(tooLong.err().strip()).isEqualTo(
                "error: 400 /problems/invalid-task: timeoutMs must be at most 86400000 ms, was 259200000000");

        Run verbose = stackl(null, "-v", "get", "no-such-task");
        assertThat(verbose.exit()).isEqualTo(1);
        assertThat(verbose.err()).startsWith("error: 404 /problems/task-not-found").contains("\"instance\"");

        Run usage = stackl(null, "submit", "noop");
        assertThat(usage.exit()).as("a usage error").isEqualTo(2);

        Run unreachable = stackl(null, "--url", "http://127.0.0.1:9", "list");
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("error: cannot reach the gateway at http://127.0.0.1:9");
    }

    @Test
    void shouldTailEveryTasksEventsAsTheyHappen() throws Exception {
        Process tail = start(null, "tail", "--topic", "noop", "--for", "8s");
        Thread.sleep(2_500); // the JVM starts and the stream opens; events are not replayed
        String taskId = stackl(null, "-o", "json", "submit", "noop", "run", "--wait").json().path("taskId").asText();

        Run tailed = finish(tail);
        assertThat(tailed.out()).contains(taskId).contains("SUCCEEDED").contains("noop/run");
    }

    @Test
    void shouldGenerateShellCompletion() throws Exception {
        Run completion = stackl(null, "generate-completion");
        assertThat(completion.exit()).isZero();
        assertThat(completion.out()).contains("complete -F").contains("stackl");
    }

    private static Run stackl(String stdin, String... args) throws IOException, InterruptedException {
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

    private static Run finish(Process process) throws IOException, InterruptedException {
        // Read both streams to the end before waiting, so that a full pipe cannot block the process.
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("stackl did not end within 90 s; printed: " + out);
        }
        return new Run(process.exitValue(), out, err.join());
    }

    static {
        if (!Files.isExecutable(STACKL)) {
            throw new IllegalStateException(STACKL + " is missing or not executable");
        }
    }
}

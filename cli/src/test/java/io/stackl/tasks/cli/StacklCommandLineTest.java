package io.stackl.tasks.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stackl.tasks.client.TaskState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the command line decides without a gateway; CliE2ETest runs bin/stackl against the suite. */
class StacklCommandLineTest {

    @Test
    void shouldReadDurationsAsPeopleTypeThem() {
        assertThat(Durations.parse("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("PT1M")).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration: soon");
    }

    @Test
    void shouldTakeTheFlagThenTheEnvironmentThenTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.properties");
        Files.writeString(file, "url=http://from-file:8080\napi-key=file-key\n");
        Map<String, String> env = Map.of("STACKL_CONFIG", file.toString(), "STACKL_URL", "http://from-env:8080");

        assertThat(Settings.resolve("http://flag:1", null, null, env).url()).isEqualTo("http://flag:1");
        assertThat(Settings.resolve(null, null, null, env).url()).isEqualTo("http://from-env:8080");
        assertThat(Settings.resolve(null, null, null, env).apiKey()).isEqualTo("file-key");
        assertThat(Settings.resolve(null, null, null, Map.of("STACKL_CONFIG", dir.resolve("none").toString())).url())
                .isEqualTo(Settings.DEFAULT_URL);
    }

    @Test
    void shouldTakeAnArgumentThatIsJsonAsJsonAndAnythingElseAsAString() {
        assertThat(SubmitCommand.jsonOrString("3").isNumber()).isTrue();
        assertThat(SubmitCommand.jsonOrString("{\"a\": 1}").isObject()).isTrue();
        assertThat(SubmitCommand.jsonOrString("true").isBoolean()).isTrue();
        assertThat(SubmitCommand.jsonOrString("stacks/web").asText()).isEqualTo("stacks/web");
    }

    @Test
    void shouldExitWithACodePerEndState() {
        assertThat(ExitCodes.of(TaskState.SUCCEEDED)).isZero();
        assertThat(ExitCodes.of(TaskState.ROLLED_BACK)).isEqualTo(3);
        assertThat(ExitCodes.of(TaskState.ROLLBACK_FAILED)).isEqualTo(4);
        assertThat(ExitCodes.of(TaskState.REJECTED)).isEqualTo(5);
        assertThat(ExitCodes.of(TaskState.DISPATCHED)).isEqualTo(6);
    }

    @Test
    void shouldAnswerAWrongCommandLineWithUsageAndExitCode2() {
        StringWriter err = new StringWriter();
        CommandLine line = Stackl.commandLine();
        line.setErr(new PrintWriter(err));

        assertThat(line.execute("submit", "noop")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter: 'SUBTYPE'");
        assertThat(Stackl.commandLine().execute("--help")).isZero();
    }
}

package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alerts of {@code deploy/prometheus/stackl-tasks-rules.yaml}, unit-tested by Prometheus' own {@code promtool}
 * (Debian's {@code prometheus} package; {@code .ci/run} installs it): each alert fires on the series it is written for,
 * with its labels and rendered annotations, and stays silent on the series it must ignore
 * ({@code stackl-tasks-rules.test.yaml}). Whether the queried metrics exist is {@code ObservabilityE2ETest}'s part.
 */
class AlertRulesTest {

    private static final Path RULES = Path.of("..", "deploy", "prometheus").toAbsolutePath().normalize();

    @Test
    void shouldPassPromtoolsChecks() throws Exception {
        String check = promtool("check", "rules", "stackl-tasks-rules.yaml");
        String test = promtool("test", "rules", "stackl-tasks-rules.test.yaml");

        assertThat(check).contains("SUCCESS");
        assertThat(test).contains("SUCCESS");
    }

    /** Every alert the rules define has at least one case in the test file that expects it to fire. */
    @Test
    void shouldTestEveryAlert() throws IOException {
        List<String> alerts = names(Files.readString(RULES.resolve("stackl-tasks-rules.yaml")), "- alert: (\\w+)");
        String tests = Files.readString(RULES.resolve("stackl-tasks-rules.test.yaml"));
        List<String> untested = new ArrayList<>();
        for (String alert : alerts) {
            // A case that expects it: its alertname followed by a non-empty exp_alerts list.
            if (!Pattern.compile("alertname: " + alert + "\\s+exp_alerts:\\s+- exp_labels").matcher(tests).find()) {
                untested.add(alert);
            }
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        assertThat(untested).as("alerts no case expects to fire").isEmpty();
    }

    private static List<String> names(String text, String regex) {
        List<String> names = new ArrayList<>();
        Matcher matcher = Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static String promtool(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(arguments));
        Process process;
        try {
            process = new ProcessBuilder(command).directory(RULES.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not on the PATH; install Debian's prometheus package"
                    + " (apt-get install --no-install-recommends prometheus), as .ci/run does", e);
        }
        // Read to the end first (promtool exits once it has written everything), then its exit code.
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", arguments) + " did not end within 60 s");
        }
        // Shown in the build output: what promtool checked.
        System.out.println("promtool " + String.join(" ", arguments) + ":\n" + output);
        assertThat(process.exitValue()).as("promtool " + String.join(" ", arguments) + ":\n" + output).isZero();
        return output;
    }
}

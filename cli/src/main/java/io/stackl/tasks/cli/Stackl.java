package io.stackl.tasks.cli;

import io.stackl.tasks.client.ProblemException;
import io.stackl.tasks.client.StacklClient;
import io.stackl.tasks.client.StacklException;
import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code stackl}: the command line of Stackl Tasks. Every command talks to the gateway's REST API through the Java
 * client; the gateway's URL and credentials come from flags, the environment or a config file ({@link Settings}).
 */
@Command(name = "stackl", mixinStandardHelpOptions = true, versionProvider = Stackl.Version.class,
        description = "Submit, follow and inspect Stackl Tasks tasks and documents.",
        subcommands = {SubmitCommand.class, GetCommand.class, ResultCommand.class, CancelCommand.class,
                ListCommand.class, WatchCommand.class, TailCommand.class, DocsCommand.class,
                AutoComplete.GenerateCompletion.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  done; a task that was waited for SUCCEEDED",
                "  1  the gateway refused the request or could not be reached",
                "  2  the command line was wrong",
                "  3  the task ROLLED_BACK", "  4  the task ROLLBACK_FAILED", "  5  the task was REJECTED",
                "  6  the task had not ended when the wait ran out (it goes on running)",
                "%nSettings: --url, --api-key, --token; else STACKL_URL, STACKL_API_KEY, STACKL_TOKEN; else url=,"
                        + " api-key=, token= in $STACKL_CONFIG or ~/.config/stackl/config.properties;"
                        + " else http://127.0.0.1:8080."})
public final class Stackl {

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The gateway, e.g. http://127.0.0.1:8080")
    String url;

    @Option(names = "--api-key", scope = ScopeType.INHERIT, paramLabel = "KEY",
            description = "API key (sent as Authorization: ApiKey)")
    String apiKey;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "Bearer token (sent as Authorization: Bearer)")
    String token;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "table, json or yaml (default: ${DEFAULT-VALUE})", defaultValue = "table")
    Output.Format output;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "On an error, print the whole problem and the stack trace")
    boolean verbose;

    private StacklClient client;

    /** The client for this run, built once from the settings. */
    StacklClient client() {
        if (client == null) {
            Settings settings = Settings.resolve(url, apiKey, token, System.getenv());
            StacklClient.Builder builder = StacklClient.builder().baseUrl(settings.url());
            if (settings.apiKey() != null) {
                builder.apiKey(settings.apiKey());
            } else if (settings.token() != null) {
                builder.bearerToken(settings.token());
            }
            client = builder.build();
        }
        return client;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with the error handling of {@code main}: tests run it in-process. */
    public static CommandLine commandLine() {
        Stackl root = new Stackl();
        CommandLine line = new CommandLine(root);
        line.setCaseInsensitiveEnumValuesAllowed(true);
        line.registerConverter(java.time.Duration.class, Durations::parse);
        line.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof ProblemException problem) {
                err.println("error: " + Output.oneLine(problem));
                if (root.verbose && problem.body() != null) {
                    err.println(problem.body().toPrettyString());
                }
            } else if (e instanceof StacklException || e instanceof IllegalArgumentException) {
                err.println("error: " + e.getMessage());
            } else {
                err.println("error: " + e);
            }
            if (root.verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.ERROR;
        });
        return line;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Stackl.class.getPackage().getImplementationVersion();
            return new String[] {"stackl " + (version == null ? "(development build)" : version)};
        }
    }
}

import io.stackl.tasks.client.InvalidRequestException;
import io.stackl.tasks.client.StacklClient;
import io.stackl.tasks.client.Submission;
import io.stackl.tasks.client.TaskHandle;
import io.stackl.tasks.client.TaskOutcome;
import java.time.Duration;
import java.util.Map;

/** The client README's example: run it against a local suite with java -cp cli/target/stackl.jar QuickStart.java. */
public class QuickStart {

    public static void main(String[] args) {
        String url = System.getenv().getOrDefault("STACKL_URL", "http://127.0.0.1:8080");
        try (StacklClient stackl = StacklClient.builder().baseUrl(url).build()) {
            // Change a document through a task: its key is locked, the old value snapshotted, the write fenced.
            TaskHandle put = stackl.submit(Submission.of("document", "put")
                    .argument("key", "stacks/web").argument("value", Map.of("replicas", 3))
                    .changes("stacks/web")
                    .timeout(Duration.ofSeconds(30)));
            TaskOutcome outcome = put.await(Duration.ofSeconds(60));
            System.out.println(put.taskId() + " " + outcome.state() + " " + outcome.output());

            // Read it back, and its history.
            stackl.document("stacks/web").ifPresent(d ->
                    System.out.println(d.key() + " v" + d.version() + " = " + d.value()));
            stackl.documentHistory("stacks/web", 3).forEach(change ->
                    System.out.println("  changed by " + change.taskId() + ", before: " + change.previousValue()));

            // A task that fails is rolled back; watch it step by step.
            TaskHandle failing = stackl.submit(Submission.of("noop", "fail"));
            failing.watch(event -> System.out.println("  " + event.state() + " " + event.reason()),
                    Duration.ofSeconds(60));

            // A refusal says which field and why.
            try {
                stackl.submit(Submission.of("noop", "run").timeout(Duration.ofDays(365)));
            } catch (InvalidRequestException refused) {
                System.out.println(refused.type() + " on " + refused.field() + ": " + refused.detail());
            }
        }
    }
}

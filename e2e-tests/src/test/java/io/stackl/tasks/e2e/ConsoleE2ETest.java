package io.stackl.tasks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.stackl.tasks.schema.Topics;
import io.stackl.tasks.testkit.KafkaTestClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The task console in a real browser (Debian's headless Chromium, driven by Selenium) against the real suite: a task
 * that succeeds, one that rolls back (its diffs and what the rollback restored), a lock queue with two waiters and a
 * cancel from the console, a new task and a state change arriving without a reload, and the dead letters. It saves
 * screenshots under {@code target/console-screenshots/}; those in the README come from this test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static Suite suite;
    private static WebDriver browser;
    private static String prefix;

    @BeforeAll
    static void start() throws IOException {
        suite = Suite.get();
        prefix = "console-e2e/" + UUID.randomUUID().toString().substring(0, 8) + "/";
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
                .until(() -> suite.post("/tasks?wait=5", Map.of("topic", "noop", "subtype", "run")).status() == 200);
        browser = chromium();
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    @Order(1)
    void shouldShowANewTaskInTheListWithoutAReload() {
        open("#/tasks");
        waitFor(By.cssSelector("ul.counts"));
        // Events are not replayed: submit once the list's event stream is open.
        waitForText(By.id("live"), "live");
        markPage();

        String id = submit(Map.of("topic", "noop", "subtype", "run", "arguments", Map.of("from", "console")));

        WebElement row = waitFor(By.cssSelector("tr[data-task='" + id + "']"));
        Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(row.getText()).contains("SUCCEEDED"));
        assertThat(pageWasNotReloaded()).as("the row came over the event stream, not from a reload").isTrue();
    }

    @Test
    @Order(2)
    void shouldShowASucceededTaskWithItsTimelineAndItsWriteAsADiff() {
        String key = prefix + "web";
        String id = runToEnd(document("put", key, Map.of("replicas", 3, "image", "web:1.4")));

        open("#/tasks/" + id);

        // The page reads the timeline again until the history service has recorded the end too.
        settled(() -> {
            assertThat(texts(By.cssSelector("table[aria-label=Timeline] tbody tr td:nth-child(2)")))
                    .containsSubsequence("SUBMITTED", "DISPATCHED", "SUCCEEDED");
            assertThat(texts(By.cssSelector(".diff .add")))
                    .anySatisfy(line -> assertThat(line).contains("\"replicas\": 3"));
            assertThat(texts(By.cssSelector(".diff .del"))).as("a new document has no before").isEmpty();
            assertThat(browser.findElement(By.cssSelector("table[aria-label='Declared keys']")).getText())
                    .contains(key);
        });
    }

    @Test
    @Order(3)
    void shouldShowARolledBackTaskWithItsDiffsAndWhatTheRollbackRestored() throws IOException {
        String kept = prefix + "stacks/api";
        String created = prefix + "stacks/api-canary";
        String missing = prefix + "stacks/missing";
        runToEnd(document("put", kept, Map.of("image", "api:2.0", "replicas", 4)));
        Map<String, Object> batch = new HashMap<>();
        batch.put("topic", "document");
        batch.put("subtype", "batch");
        batch.put("changedDocumentKeys", List.of(kept, created, missing));
        batch.put("arguments", Map.of("operations", List.of(
                Map.of("op", "put", "key", kept, "value", Map.of("image", "api:2.1", "replicas", 4)),
                Map.of("op", "put", "key", created, "value", Map.of("image", "api:2.1", "replicas", 1)),
                Map.of("op", "patch", "key", missing, "value", Map.of("x", 1)))));
        String id = runToEnd(batch);

        open("#/tasks/" + id);

        settled(() -> {
            assertThat(texts(By.cssSelector("table[aria-label=Timeline] tbody tr td:nth-child(2)")))
                    .containsSubsequence("DISPATCHED", "FAILED", "ROLLING_BACK", "ROLLED_BACK");
            assertThat(texts(By.cssSelector(".diff .del"))).anySatisfy(line -> assertThat(line).contains("api:2.0"));
            assertThat(texts(By.cssSelector(".diff .add"))).anySatisfy(line -> assertThat(line).contains("api:2.1"));
            assertThat(browser.findElements(By.cssSelector(".badge.restored"))).as("both writes restored")
                    .hasSize(2);
            String rollback = browser.findElement(By.xpath("//h2[.='Rollback']/following-sibling::dl[1]")).getText();
            assertThat(rollback).contains("ROLLED_BACK").contains("Documents restored\n2");
            assertThat(texts(By.cssSelector("table[aria-label=Timeline] tbody tr td:nth-child(6)")))
                    .anySatisfy(reason -> assertThat(reason).contains("NOT_FOUND"));
        });
        screenshot("console-rolled-back-task");

        // The document's page tells the same story from the document's side, and says who put the value back.
        browser.findElement(By.linkText(kept)).click();
        waitForText(By.tagName("main"), "rollback of");
        assertThat(browser.findElements(By.cssSelector(".badge.restored")))
                .as(browser.findElement(By.tagName("main")).getText()).isNotEmpty();
    }

    @Test
    @Order(4)
    void shouldShowALockQueueWithTwoWaitersAndCancelTheHolderFromTheConsole() throws IOException {
        String key = prefix + "clusters/eu-1";
        String holder = submit(Map.of("topic", "noop", "subtype", "sleep", "arguments", Map.of("ms", 30_000),
                "changedDocumentKeys", List.of(key), "timeoutMs", 60_000));
        Awaitility.await().atMost(WAIT).until(() -> "DISPATCHED".equals(state(holder)));
        String first = submit(Map.of("topic", "noop", "subtype", "run", "changedDocumentKeys", List.of(key)));
        Awaitility.await().atMost(WAIT).until(() -> "WAITING_FOR_LOCKS".equals(state(first)));
        String second = submit(Map.of("topic", "noop", "subtype", "run", "changedDocumentKeys", List.of(key)));
        Awaitility.await().atMost(WAIT).until(() -> "WAITING_FOR_LOCKS".equals(state(second)));

        open("#/locks/" + key);

        // The view is read again every 2 s: each check reads the page afresh.
        settled(() -> {
            List<String> rows = texts(By.cssSelector("table[aria-label=Queue] tbody tr"));
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0)).startsWith("1 " + first);
            assertThat(rows.get(1)).startsWith("2 " + second);
            assertThat(browser.findElement(By.tagName("main")).getText()).contains("Holder\n" + holder);
        });
        screenshot("console-lock-queue");
        open("#/locks");
        settled(() -> assertThat(browser.findElement(By.cssSelector("table[aria-label^='Held keys']")).getText())
                .contains(key));

        // The holder's page follows it live: cancelled from the console, it rolls back without a reload, and the
        // two waiters get the key in turn.
        open("#/tasks/" + holder);
        waitForText(By.tagName("main"), "DISPATCHED");
        markPage();
        browser.findElement(By.xpath("//button[.='Cancel task']")).click();
        waitForText(By.tagName("main"), "ROLLED_BACK");
        assertThat(pageWasNotReloaded()).isTrue();
        Awaitility.await().atMost(WAIT).until(() -> "SUCCEEDED".equals(state(second)));
        assertThat(state(first)).isEqualTo("SUCCEEDED");
    }

    @Test
    @Order(5)
    void shouldShowTheNewestDeadLettersWithWhy() {
        String marker = "console-poison-" + UUID.randomUUID();
        try (KafkaTestClient kafka = new KafkaTestClient(suite.infra.kafka().bootstrapServers(),
                suite.infra.registry().apicurioApiUrl())) {
            kafka.sendRaw(Topics.TASK_REQUESTS.name(), marker, ("not a task request " + marker)
                    .getBytes(StandardCharsets.UTF_8));
        }

        open("#/dead-letters");
        // The view reads the dead letters again every 5 s.
        settled(() -> assertThat(browser.findElement(By.cssSelector("table[aria-label^='Dead letters']")).getText())
                .contains(marker).contains("task-requests").contains("task-broker")
                .contains("not a task request " + marker));
    }

    @Test
    @Order(6)
    void shouldListTasksWithCountsAndFilterThem() throws IOException {
        open("#/tasks");
        waitFor(By.cssSelector("table[aria-label^='Tasks']"));
        assertThat(browser.findElement(By.cssSelector("ul.counts")).getText()).contains("SUCCEEDED")
                .contains("ROLLED_BACK");
        screenshot("console-tasks");

        browser.findElement(By.cssSelector("ul.counts a[href*='state=ROLLED_BACK']")).click();
        settled(() -> assertThat(texts(By.cssSelector("table[aria-label^='Tasks'] tbody tr td:nth-child(2)")))
                .isNotEmpty().allMatch("ROLLED_BACK"::equals));
        assertThat(browser.getCurrentUrl()).as("a stable URL for the filtered view").endsWith("state=ROLLED_BACK");
    }

    // ---------------------------------------------------------------- helpers

    private static WebDriver chromium() {
        Path binary = Path.of(System.getenv().getOrDefault("STACKL_CHROMIUM", "/usr/bin/chromium"));
        Path driver = Path.of(System.getenv().getOrDefault("STACKL_CHROMEDRIVER", "/usr/bin/chromedriver"));
        if (!Files.isExecutable(binary) || !Files.isExecutable(driver)) {
            throw new IllegalStateException("The console test needs Chromium and ChromeDriver (" + binary + ", " + driver
                    + "): apt-get install chromium chromium-driver (.ci/run does), or set STACKL_CHROMIUM and"
                    + " STACKL_CHROMEDRIVER");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(binary.toFile());
        // Without the background-networking flags Chromium keeps calling home, which a closed network refuses.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1360,1000", "--user-data-dir="
                        + Path.of("target", "chromium-profile-" + UUID.randomUUID()).toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void open(String view) {
        browser.get(suite.gateway.url() + "/console/" + view);
    }

    private static WebElement waitFor(By what) {
        return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(what));
    }

    private static void waitForText(By where, String text) {
        new WebDriverWait(browser, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(where, text));
    }

    /** Checks that hold once the page has settled; a re-render meanwhile (stale elements) is read again. */
    private static void settled(ThrowingRunnable checks) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(checks);
    }

    private static List<String> texts(By what) {
        return browser.findElements(what).stream().map(WebElement::getText).toList();
    }

    /** Leaves a mark in the page's JavaScript state, which a reload would wipe. */
    private static void markPage() {
        ((JavascriptExecutor) browser).executeScript("window.stacklNotReloaded = true;");
    }

    private static boolean pageWasNotReloaded() {
        return Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript("return window.stacklNotReloaded;"));
    }

    /** The whole page: the window is made as tall as the page for the picture, then put back. */
    private static void screenshot(String name) throws IOException {
        Dimension window = browser.manage().window().getSize();
        long height = (Long) ((JavascriptExecutor) browser).executeScript(
                "return Math.ceil(document.documentElement.scrollHeight);");
        browser.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.min(4000, height + 140)));
        try {
            Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(file, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.manage().window().setSize(window);
        }
    }

    private static Map<String, Object> document(String subtype, String key, Object value) {
        return Map.of("topic", "document", "subtype", subtype, "arguments", Map.of("key", key, "value", value),
                "changedDocumentKeys", List.of(key));
    }

    private static String submit(Map<String, Object> task) {
        Suite.Reply reply = suite.post("/tasks", task);
        assertThat(reply.status()).as(reply.raw().body()).isEqualTo(202);
        return reply.body().path("taskId").asText();
    }

    private static String runToEnd(Map<String, Object> task) {
        Suite.Reply reply = suite.post("/tasks?wait=30", task);
        assertThat(reply.status()).as(reply.raw().body()).isEqualTo(200);
        return reply.body().path("taskId").asText();
    }

    private static String state(String taskId) {
        return suite.get("/tasks/" + taskId).body().path("state").asText();
    }
}

package io.stackl.tasks.history.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The attempts list of GET /tasks/{id}: one entry per dispatch, read off the recorded events and results. */
class AttemptsTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    private final List<Map<String, Object>> events = new ArrayList<>();
    private final List<Map<String, Object>> results = new ArrayList<>();

    @Test
    void shouldListEachAttemptWithItsOutcomeWorkerAndUndo() {
        event("SUBMITTED", 0, 0, 0);
        event("DISPATCHED", 1, 1, 10);
        result(1, 1, "worker-a", 12, 40, false, "HTTP_503");
        event("FAILED", 1, 1, 45).put("failureCode", "HTTP_503");
        event("ROLLING_BACK", 1, 1, 46);
        event("RETRY_WAITING", 1, 1, 80).put("deadline", at(280));
        event("DISPATCHED", 2, 2, 281);
        event("TIMED_OUT", 2, 2, 1_800).put("reason", "execution timeout: no result within 1500 ms of dispatch");
        event("ROLLING_BACK", 2, 2, 1_801);
        event("RETRY_WAITING", 2, 2, 1_850).put("deadline", at(2_250));
        // A late result of attempt 1 after attempt 2 was dispatched: it belongs to attempt 1, which had one already.
        result(1, 1, "worker-late", 13, 2_000, true, null);
        event("DISPATCHED", 3, 3, 2_251);
        result(3, 3, "worker-b", 2_260, 2_300, true, null);
        // A redelivered copy of attempt 3 ran on another worker and answered later: the first answer is the one shown.
        result(3, 3, "worker-c", 2_270, 2_400, true, null);
        event("SUCCEEDED", 3, 3, 2_305);

        List<Map<String, Object>> attempts = Attempts.of(events, results);

        assertThat(attempts).extracting(a -> a.get("attempt")).containsExactly(1, 2, 3);
        Map<String, Object> first = attempts.get(0);
        assertThat(first).containsEntry("outcome", "FAILED").containsEntry("failureCode", "HTTP_503")
                .containsEntry("dispatchedAt", at(10)).containsEntry("endedAt", at(45))
                .containsEntry("undoneAt", at(80)).containsEntry("nextAttemptAt", at(280));
        assertThat(worker(first)).containsEntry("id", "worker-a").containsEntry("succeeded", false);
        Map<String, Object> second = attempts.get(1);
        assertThat(second).containsEntry("outcome", "TIMED_OUT").containsEntry("worker", null)
                .containsEntry("failureMessage", "execution timeout: no result within 1500 ms of dispatch")
                .containsEntry("undoneAt", at(1_850));
        Map<String, Object> third = attempts.get(2);
        assertThat(third).containsEntry("outcome", "SUCCEEDED").containsEntry("fencingToken", 3L)
                .containsEntry("undoneAt", null).containsEntry("nextAttemptAt", null);
        assertThat(worker(third)).containsEntry("id", "worker-b").containsEntry("finishedAt", at(2_300))
                .containsEntry("late", false);
    }

    @Test
    void shouldMarkAResultThatCameAfterItsAttemptTimedOutAndShowNoNextAttemptThatNeverCame() {
        event("DISPATCHED", 1, 1, 10);
        event("TIMED_OUT", 1, 1, 1_510);
        event("ROLLING_BACK", 1, 1, 1_511);
        event("RETRY_WAITING", 1, 1, 1_600).put("deadline", at(2_600));
        result(1, 1, "worker-slow", 12, 1_700, true, null);
        event("CANCELLED", 1, 1, 1_900).put("reason", "cancelled during the backoff");

        Map<String, Object> only = Attempts.of(events, results).get(0);

        assertThat(only).containsEntry("outcome", "TIMED_OUT").containsEntry("undoneAt", at(1_600))
                .containsEntry("nextAttemptAt", null);
        assertThat(worker(only)).containsEntry("id", "worker-slow").containsEntry("late", true);
    }

    @Test
    void shouldListNothingForATaskNeverDispatchedAndAnOpenEntryForOneRunning() {
        event("SUBMITTED", 0, 0, 0);
        event("WAITING_FOR_LOCKS", 0, 0, 1);
        assertThat(Attempts.of(events, results)).isEmpty();

        event("DISPATCHED", 1, 1, 5);
        List<Map<String, Object>> attempts = Attempts.of(events, results);
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0)).containsEntry("outcome", null).containsEntry("endedAt", null)
                .containsEntry("worker", null);
    }

    @Test
    void shouldTakeTheCancelOfARunningAttemptAsItsEnd() {
        event("DISPATCHED", 1, 1, 5);
        event("CANCELLED", 1, 1, 50).put("reason", "operator");
        event("ROLLING_BACK", 1, 1, 51);
        event("ROLLED_BACK", 1, 1, 90);

        assertThat(Attempts.of(events, results).get(0)).containsEntry("outcome", "CANCELLED")
                .containsEntry("failureMessage", "operator").containsEntry("undoneAt", null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> worker(Map<String, Object> attempt) {
        return (Map<String, Object>) attempt.get("worker");
    }

    private static Instant at(long ms) {
        return T0.plusMillis(ms);
    }

    private Map<String, Object> event(String state, int attempt, long token, long ms) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("sequence", events.size() + 1);
        row.put("state", state);
        row.put("occurredAt", at(ms));
        row.put("attempt", attempt);
        row.put("fencingToken", token);
        row.put("deadline", null);
        row.put("reason", null);
        row.put("failureCode", null);
        row.put("failureMessage", null);
        events.add(row);
        return row;
    }

    private void result(int attempt, long token, String worker, long startMs, long endMs, boolean succeeded,
            String code) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", "EXECUTE");
        row.put("attempt", attempt);
        row.put("fencingToken", token);
        row.put("succeeded", succeeded);
        row.put("failureCode", code);
        row.put("workerId", worker);
        row.put("startedAt", at(startMs));
        row.put("finishedAt", at(endMs));
        results.add(row);
    }
}

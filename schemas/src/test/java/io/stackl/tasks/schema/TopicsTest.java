package io.stackl.tasks.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which record type each topic's values have: declared once in {@link Topics}, used by the registry and warm-ups. */
class TopicsTest {

    @Test
    void shouldGiveEveryRecordTopicItsTypeAndEachWorkTopicWorkItem() {
        assertThat(Topics.recordTypes(List.of("task-work.a", "task-work.b"))).containsExactly(
                entry("task-requests", TaskRequest.class), entry("task-commands", TaskCommand.class),
                entry("task-events", TaskEvent.class), entry("task-results", TaskResult.class),
                entry("task-rollbacks", RollbackCommand.class), entry("task-rollback-reports", RollbackReport.class),
                entry("task-compensations", CompensationEvent.class), entry("task-work.a", WorkItem.class),
                entry("task-work.b", WorkItem.class));
    }

    @Test
    void shouldRegisterEachRecordTopicsSchemaUnderItsValueSubject() {
        assertThat(SchemaRegistration.subjects(List.of("task-work.a"))).containsExactly(
                entry("task-requests-value", TaskRequest.getClassSchema()),
                entry("task-commands-value", TaskCommand.getClassSchema()),
                entry("task-events-value", TaskEvent.getClassSchema()),
                entry("task-results-value", TaskResult.getClassSchema()),
                entry("task-rollbacks-value", RollbackCommand.getClassSchema()),
                entry("task-rollback-reports-value", RollbackReport.getClassSchema()),
                entry("task-compensations-value", CompensationEvent.getClassSchema()),
                entry("task-work.a-value", WorkItem.getClassSchema()));
    }
}

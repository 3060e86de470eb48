package io.stackl.tasks.worker.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HandlerRegistryTest {

    private static TaskHandler handler(String topic, String... subtypes) {
        return new TaskHandler() {
            @Override
            public String topic() {
                return topic;
            }

            @Override
            public Set<String> subtypes() {
                return Set.of(subtypes);
            }

            @Override
            public HandlerOutcome handle(TaskContext context) {
                return HandlerOutcome.success("{}");
            }
        };
    }

    @Test
    void shouldRefuseTwoHandlersForTheSameTopicAndSubtypeWithAClearMessage() {
        List<TaskHandler> clash = List.of(handler("payments", "refund", "charge"), handler("payments", "charge"));

        assertThatThrownBy(() -> new HandlerRegistry(clash))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("two handlers claim topic 'payments' subtype 'charge'");
    }

    @Test
    void shouldPreferAnExactSubtypeOverTheWildcard() {
        TaskHandler exact = handler("t", "a");
        TaskHandler any = handler("t", "*");
        HandlerRegistry registry = new HandlerRegistry(List.of(exact, any));

        assertThat(registry.find("t", "a")).containsSame(exact);
        assertThat(registry.find("t", "b")).containsSame(any);
        assertThat(registry.find("other", "a")).isEmpty();
        assertThat(registry.topics()).containsExactly("t");
    }
}

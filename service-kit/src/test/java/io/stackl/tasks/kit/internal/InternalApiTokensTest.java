package io.stackl.tasks.kit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

class InternalApiTokensTest {

    private static final String GATEWAY = "g".repeat(InternalApiTokens.MINIMUM_LENGTH);
    private static final String WORKER = "w".repeat(InternalApiTokens.MINIMUM_LENGTH + 8);

    @Test
    void shouldKnowEachCallerByItsOwnTokenOnly() {
        InternalApiTokens tokens = new InternalApiTokens(config(Map.of("tasks.internal-api.callers", "gateway, worker",
                "tasks.internal-api.tokens.gateway", GATEWAY, "tasks.internal-api.tokens.worker", WORKER)));

        assertThat(tokens.guarding()).isTrue();
        assertThat(tokens.callerOf(GATEWAY)).contains("gateway");
        assertThat(tokens.callerOf(WORKER)).contains("worker");
        assertThat(tokens.callerOf(GATEWAY + "x")).isEmpty();
        assertThat(tokens.callerOf(GATEWAY.substring(1))).isEmpty();
        assertThat(tokens.callerOf("")).isEmpty();
    }

    @Test
    void shouldRefuseToStartWithACallerWithoutAToken() {
        assertThatThrownBy(() -> new InternalApiTokens(config(Map.of("tasks.internal-api.callers", "gateway,worker",
                "tasks.internal-api.tokens.gateway", GATEWAY))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tasks.internal-api.tokens.worker").hasMessageContaining("refusing to start");
    }

    @Test
    void shouldRefuseATokenShorterThanTheMinimum() {
        assertThatThrownBy(() -> new InternalApiTokens(config(Map.of("tasks.internal-api.callers", "gateway",
                "tasks.internal-api.tokens.gateway", "short-and-guessable"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least 32 characters")
                .hasMessageNotContaining("short-and-guessable");
    }

    @Test
    void shouldRefuseTwoCallersWithOneToken() {
        assertThatThrownBy(() -> new InternalApiTokens(config(Map.of("tasks.internal-api.callers", "gateway,worker",
                "tasks.internal-api.tokens.gateway", GATEWAY, "tasks.internal-api.tokens.worker", GATEWAY + "\n"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("same token")
                .hasMessageNotContaining(GATEWAY);
    }

    @Test
    void shouldGuardNothingInAServiceWithoutCallers() {
        assertThat(new InternalApiTokens(config(Map.of())).guarding()).isFalse();
    }

    private static Config config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(properties, "test", 100)).build();
    }
}

package io.stackl.tasks.gateway.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Where the identity provider's keys may come from: never over plain http from another machine. */
class BearerTokensTest {

    @Test
    void shouldRefuseKeysOverPlainHttpFromAnotherMachine() {
        assertThatThrownBy(() -> BearerTokens.requireTrustedLocation("http://idp.example.com/jwks.json"))
                .hasMessageContaining("must be https");
        assertThatThrownBy(() -> BearerTokens.requireTrustedLocation("HTTP://idp.example.com/jwks.json"))
                .hasMessageContaining("must be https");
    }

    @Test
    void shouldTakeHttpsFilesAndThisMachine() {
        assertThatCode(() -> BearerTokens.requireTrustedLocation("https://idp.example.com/jwks.json"))
                .doesNotThrowAnyException();
        assertThatCode(() -> BearerTokens.requireTrustedLocation("/etc/stackl/jwks.json")).doesNotThrowAnyException();
        assertThatCode(() -> BearerTokens.requireTrustedLocation("file:/etc/stackl/public.pem"))
                .doesNotThrowAnyException();
        assertThatCode(() -> BearerTokens.requireTrustedLocation("http://127.0.0.1:8080/jwks.json"))
                .doesNotThrowAnyException();
    }
}

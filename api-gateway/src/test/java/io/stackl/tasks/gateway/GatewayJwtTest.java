package io.stackl.tasks.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Bearer JWTs on the gateway (ADR 0015), with keys this test generates and a JWKS it serves on a local port, as an
 * identity provider would: a valid token, then each way a token is refused (expired, another issuer, another
 * audience, a signature by another key, not a JWT), and the permissions its topics claim grants.
 */
@QuarkusTest
@TestProfile(GatewayJwtTest.WithBearerTokens.class)
@QuarkusTestResource(value = SuiteResource.class, restrictToAnnotatedClass = false)
class GatewayJwtTest {

    static final String ISSUER = "https://idp.stackl.test";
    static final String AUDIENCE = "stackl-gateway";
    static final String KEY_ID = "test-key-1";
    static final KeyPair SIGNING_KEYS = rsaKeys();
    static final KeyPair OTHER_KEYS = rsaKeys();
    static final IdentityProvider IDP = new IdentityProvider((RSAPublicKey) SIGNING_KEYS.getPublic());

    public static class WithBearerTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tasks.gateway.auth.enabled", "true",
                    "tasks.gateway.auth.clients.ops.key-sha256", GatewayAuthTest.sha256("ops-secret"),
                    "tasks.gateway.auth.clients.ops.topics", "*",
                    "tasks.gateway.auth.jwt.enabled", "true",
                    "tasks.gateway.auth.jwt.public-key-location", IDP.jwksUrl(),
                    "tasks.gateway.auth.jwt.issuer", ISSUER,
                    "tasks.gateway.auth.jwt.audience", AUDIENCE);
        }
    }

    @Test
    void shouldTakeAValidTokenAndRecordItsSubjectAsTheSource() {
        String token = token(claims -> claims);

        String taskId = submit(token, "noop").then().statusCode(200).body("state", equalTo("SUCCEEDED"))
                .extract().path("taskId");

        given().auth().oauth2(token).get("/tasks/{id}", taskId).then().statusCode(200)
                .body("source", equalTo("ci-bot"));
        assertThat(IDP.requests.get()).as("the keys were read from the JWKS URL").isPositive();
    }

    @Test
    void shouldRefuseAnExpiredToken() {
        String token = token(claims -> claims.issuedAt(Instant.now().minusSeconds(1_200))
                .expiresAt(Instant.now().minusSeconds(600)));

        refused(submit(token, "noop"), token, "The bearer token has expired");
    }

    @Test
    void shouldRefuseATokenOfAnotherIssuer() {
        String token = token(claims -> claims.issuer("https://elsewhere.test"));

        refused(submit(token, "noop"), token, "another issuer");
    }

    @Test
    void shouldRefuseATokenForAnotherAudience() {
        String token = token(claims -> claims.audience("some-other-service"));

        refused(submit(token, "noop"), token, "audience");
    }

    @Test
    void shouldRefuseATokenSignedByAnotherKey() {
        // The same key id, so the gateway looks up the right key and finds that the signature does not match it.
        String token = claims(c -> c).jws().keyId(KEY_ID).sign(OTHER_KEYS.getPrivate());

        refused(submit(token, "noop"), token, "signature");
    }

    @Test
    void shouldRefuseSomethingThatIsNotAToken() {
        refused(submit("not-a-jwt", "noop"), "not-a-jwt", "not valid");
    }

    @Test
    void shouldAllowOnlyTheTopicsItsClaimLists() {
        String noopOnly = token(claims -> claims);
        submit(noopOnly, "document").then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("/problems/forbidden")).body("topic", equalTo("document"));

        // A space-separated string works as well as a list, as OAuth scopes do: both topics are granted.
        String both = token(claims -> claims.claim("stackl_topics", "noop document"));
        submit(both, "noop").then().statusCode(200);
        assertThat(submit(both, "document").statusCode()).as("document is granted too").isNotEqualTo(403);

        // No claim: the token may read, but submit nothing.
        String none = token(claims -> claims.remove("stackl_topics"));
        submit(none, "noop").then().statusCode(403);
        given().auth().oauth2(none).get("/tasks?limit=1").then().statusCode(200);
    }

    @Test
    void shouldTakeTheSchemeInAnyCase() {
        given().header("Authorization", "bearer " + token(claims -> claims)).get("/tasks?limit=1").then()
                .statusCode(200);
    }

    /** A subject equal to an API-key client's name would act as that client: refused. */
    @Test
    void shouldRefuseASubjectThatIsTheNameOfAnApiKeyClient() {
        String token = token(claims -> claims.subject("ops"));

        refused(submit(token, "noop"), token, "API-key client");
    }

    @Test
    void shouldStillTakeApiKeysAndSayWhichCredentialsItTakes() {
        given().header("X-API-Key", "ops-secret").contentType(ContentType.JSON)
                .body(Map.of("topic", "noop", "subtype", "run")).post("/tasks?wait=30").then().statusCode(200);
        given().get("/tasks?limit=1").then().statusCode(401).header("WWW-Authenticate", "Bearer, ApiKey")
                .body("detail", containsString("Bearer"));
    }

    // ---------------------------------------------------------------- helpers

    private static Response submit(String token, String topic) {
        return given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .body(Map.of("topic", topic, "subtype", "run")).post("/tasks?wait=30");
    }

    /** 401 problem+json saying why, with a Bearer challenge, and never the token itself. */
    private static void refused(Response response, String token, String why) {
        String body = response.then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer")).body("type", equalTo("/problems/unauthorized"))
                .body("detail", containsString(why)).extract().asString();
        assertThat(body).doesNotContain(token);
    }

    /** The claims of a valid token (subject ci-bot, topic noop, five minutes), changed by {@code tweak}. */
    private static String token(UnaryOperator<JwtClaimsBuilder> tweak) {
        return tweak.apply(claims(c -> c)).jws().keyId(KEY_ID).sign(SIGNING_KEYS.getPrivate());
    }

    private static JwtClaimsBuilder claims(UnaryOperator<JwtClaimsBuilder> tweak) {
        return tweak.apply(Jwt.issuer(ISSUER).audience(AUDIENCE).subject("ci-bot")
                .claim("stackl_topics", List.of("noop")).issuedAt(Instant.now())
                .expiresAt(Instant.now().plusSeconds(300)));
    }

    private static KeyPair rsaKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The identity provider's key endpoint: a JWKS with the signing key's public half, on a local port. */
    static final class IdentityProvider {
        final AtomicInteger requests = new AtomicInteger();
        private final HttpServer server;

        IdentityProvider(RSAPublicKey key) {
            String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" + KEY_ID + "\",\"use\":\"sig\",\"alg\":\"RS256\","
                    + "\"n\":\"" + base64Url(key.getModulus()) + "\",\"e\":\"" + base64Url(key.getPublicExponent())
                    + "\"}]}";
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/jwks.json", exchange -> {
                requests.incrementAndGet();
                byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        String jwksUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
        }

        private static String base64Url(BigInteger value) {
            byte[] bytes = value.toByteArray();
            // Unsigned, big-endian, without the sign byte BigInteger adds to a number whose top bit is set.
            if (bytes.length > 1 && bytes[0] == 0) {
                bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
            }
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }
    }
}

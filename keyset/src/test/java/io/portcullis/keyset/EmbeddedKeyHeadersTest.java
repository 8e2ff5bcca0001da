package io.portcullis.keyset;

import static io.portcullis.keyset.TokenFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys named inside a token ({@code jwk}, {@code jku}, {@code x5u}, {@code x5c}) are never used or
 * fetched (SPEC §4 step 4). An attacker's loopback server publishes the attacker's key and counts
 * every request: it must see none, while the configured JWKS still serves the real keys.
 */
class EmbeddedKeyHeadersTest {
  static final RSAKey ATTACKER = TestKeys.rsa("attacker");

  Vertx vertx;
  JwksServer attacker;
  JwksServer legit;
  KeySet keys;
  TokenValidator validator;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    attacker = new JwksServer(vertx, List.of(ATTACKER));
    legit = new JwksServer(vertx, List.of(TestKeys.RSA));
    MutableClock clock = new MutableClock(NOW_INSTANT);
    keys =
        KeySet.create(
            vertx,
            KeySetOptions.builder().jwksUrl(legit.url()).build(),
            clock,
            new SimpleMeterRegistry());
    keys.start().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    validator = TokenValidator.create(keys, validatorOptions(), clock, new SimpleMeterRegistry());
  }

  @AfterEach
  void tearDown() throws Exception {
    keys.close();
    attacker.close();
    legit.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  ValidationResult result(String token) throws Exception {
    return validator
        .validate(token)
        .toCompletionStage()
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS)
        .result();
  }

  /** header {"alg":"RS256","kid":kid, member}; payload PAYLOAD; signed by the attacker's key */
  static String attackerToken(String kid, String member) {
    return TestKeys.sign(
        "{\"alg\":\"RS256\",\"kid\":\"" + kid + "\"," + member + "}",
        PAYLOAD,
        TestKeys.signer(ATTACKER),
        "RS256");
  }

  @Test
  void embeddedKeysAreNeverUsedOrFetched() throws Exception {
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    String jwk = "\"jwk\":" + ATTACKER.toPublicJWK().toJSONString();
    String jku = "\"jku\":" + Json.encode(attacker.url().toString());
    String x5u = "\"x5u\":" + Json.encode("http://127.0.0.1:" + attacker.port() + "/cert.pem");
    String x5c = "\"x5c\":[\"MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGVOZXZlclBhcnNlZA==\"]";
    for (String member : List.of(jwk, jku, x5u, x5c)) {
      // naming the real kid: the real key verifies, and the attacker's signature fails
      assertThat(result(attackerToken("rsa-1", member)))
          .as(member)
          .isEqualTo(ValidationResult.BAD_SIGNATURE);
      // naming the attacker's kid: unknown, even though the header carries or points to the key
      assertThat(result(attackerToken("attacker", member)))
          .as(member)
          .isEqualTo(ValidationResult.UNKNOWN_KID);
    }
    // Give any stray fetch time to arrive before asserting there was none.
    Thread.sleep(300);
    assertThat(attacker.hits.get()).isZero();
    // one start-up fetch plus at most one shared unknown-kid refresh per cooldown
    assertThat(legit.hits.get()).isBetween(1, 2);
  }

  @Test
  void anEmbeddedJwkWithoutKidIsNotAFallback() throws Exception {
    JWK publicJwk = ATTACKER.toPublicJWK();
    String token =
        TestKeys.sign(
            "{\"alg\":\"RS256\",\"jwk\":" + publicJwk.toJSONString() + "}",
            PAYLOAD,
            TestKeys.signer(ATTACKER),
            "RS256");
    assertThat(result(token)).isEqualTo(ValidationResult.UNKNOWN_KID);
    assertThat(attacker.hits.get()).isZero();
  }
}

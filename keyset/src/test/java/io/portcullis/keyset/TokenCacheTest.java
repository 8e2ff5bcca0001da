package io.portcullis.keyset;

import static io.portcullis.keyset.TokenFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verified-token cache: hits and misses counted, never past exp, invalidateKid drops. */
class TokenCacheTest {
  Vertx vertx;
  MutableClock clock;
  SimpleMeterRegistry registry;
  TokenValidator validator;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clock = new MutableClock(NOW_INSTANT);
    registry = new SimpleMeterRegistry();
    KeySet keys = KeySet.create(vertx, pemOptions().build(), clock, registry);
    validator = TokenValidator.create(keys, validatorOptions(), clock, registry);
  }

  @AfterEach
  void tearDown() throws Exception {
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

  double count(String result) {
    return registry.get("portcullis.token.cache.requests").tag("result", result).counter().count();
  }

  @Test
  void hitsAndMissesAreCounted() throws Exception {
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(count("miss")).isEqualTo(1.0);
    assertThat(count("hit")).isEqualTo(0.0);
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(count("hit")).isEqualTo(2.0);
    // rejected tokens are never cached
    assertThat(result(TAMPERED_PAYLOAD_TOKEN)).isEqualTo(ValidationResult.BAD_SIGNATURE);
    assertThat(result(TAMPERED_PAYLOAD_TOKEN)).isEqualTo(ValidationResult.BAD_SIGNATURE);
    assertThat(count("miss")).isEqualTo(3.0);
  }

  @Test
  void neverServedPastExp() throws Exception {
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK); // exp = NOW + 3600
    clock.set(NOW_INSTANT.plusSeconds(3599));
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(count("hit")).isEqualTo(1.0);
    clock.set(NOW_INSTANT.plusSeconds(3600)); // at exp: not from the cache (the skew still holds)
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(count("hit")).isEqualTo(1.0);
    clock.set(NOW_INSTANT.plusSeconds(3630));
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.EXPIRED);
    assertThat(count("hit")).isEqualTo(1.0);
  }

  @Test
  void invalidateKidDropsItsEntriesOnly() throws Exception {
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(result(GOOD_ES256_TOKEN)).isEqualTo(ValidationResult.OK);
    validator.invalidateKid("rsa-1");
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(result(GOOD_ES256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(count("miss")).isEqualTo(3.0); // rsa-1 validated again
    assertThat(count("hit")).isEqualTo(1.0); // ec-1 still cached
  }

  @Test
  void aTokenWhoseNbfIsStillAheadIsNotCached() throws Exception {
    String nbfAhead =
        jws(
            "RS256",
            "rsa-1",
            TestKeys.RSA,
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"nbf\":"
                + (NOW + 10)
                + "}");
    assertThat(result(nbfAhead)).isEqualTo(ValidationResult.OK); // inside the 30 s skew
    assertThat(result(nbfAhead)).isEqualTo(ValidationResult.OK);
    assertThat(count("hit")).isEqualTo(0.0);
    clock.advance(Duration.ofSeconds(11));
    assertThat(result(nbfAhead)).isEqualTo(ValidationResult.OK);
    assertThat(result(nbfAhead)).isEqualTo(ValidationResult.OK);
    assertThat(count("hit")).isEqualTo(1.0);
  }

  @Test
  void cacheSizeZeroDisablesTheCache() throws Exception {
    KeySet keys = KeySet.create(vertx, pemOptions().build(), clock, new SimpleMeterRegistry());
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    TokenValidator uncached =
        TokenValidator.create(
            keys,
            ValidatorOptions.builder()
                .issuers(java.util.Set.of(ISSUER))
                .audiences(java.util.Set.of(AUDIENCE))
                .cacheSize(0)
                .build(),
            clock,
            own);
    for (int i = 0; i < 3; i++) {
      assertThat(uncached.validate(GOOD_RS256_TOKEN).result().result())
          .isEqualTo(ValidationResult.OK);
    }
    assertThat(own.get("portcullis.token.cache.requests").tag("result", "hit").counter().count())
        .isZero();
  }
}

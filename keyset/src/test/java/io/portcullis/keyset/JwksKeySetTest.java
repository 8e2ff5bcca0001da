package io.portcullis.keyset;

import static io.portcullis.keyset.TokenFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Key rotation against a loopback JWKS server (Vert.x HttpServer on port 0). */
class JwksKeySetTest {
  Vertx vertx;
  JwksServer server;
  MutableClock clock;
  SimpleMeterRegistry registry;
  KeySet keys;
  TokenValidator validator;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    server = new JwksServer(vertx, List.of(TestKeys.RSA, TestKeys.EC));
    clock = new MutableClock(NOW_INSTANT);
    registry = new SimpleMeterRegistry();
  }

  void start(KeySetOptions.Builder options) throws Exception {
    keys = KeySet.create(vertx, options.build(), clock, registry);
    await(keys.start());
    validator = TokenValidator.create(keys, validatorOptions(), clock, registry);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (keys != null) {
      await(keys.close());
    }
    server.close();
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      StringBuilder dump = new StringBuilder("no answer within 10 s; threads:\n");
      for (java.lang.management.ThreadInfo t :
          java.lang.management.ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
        dump.append(t);
      }
      throw new AssertionError(dump.toString(), e);
    }
  }

  ValidationResult result(String token) throws Exception {
    return await(validator.validate(token)).result();
  }

  static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(20);
    }
  }

  @Test
  void loadsTheJwksAtStartAndValidates() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()));
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(result(GOOD_ES256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(server.hits.get()).isEqualTo(1);
    assertThat(keys.keys())
        .extracting(KeyInfo::kid, KeyInfo::algorithm, KeyInfo::source, KeyInfo::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ec-1", "ES256", "jwks:" + server.url(), "active"),
            org.assertj.core.groups.Tuple.tuple(
                "rsa-1", "RS256", "jwks:" + server.url(), "active"));
    assertThat(keys.keys().get(0).firstSeen()).isEqualTo(NOW_INSTANT);
    SourceStatus status = keys.sources().get(0);
    assertThat(status.keys()).isEqualTo(2);
    assertThat(status.lastSuccess()).isEqualTo(NOW_INSTANT);
    assertThat(status.lastError()).isNull();
    assertThat(keys.health().ready()).isTrue();
  }

  @Test
  void aKeyPublishedAfterStartIsAcceptedOnFirstUse() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()));
    RSAKey rotated = TestKeys.rsa("rsa-2");
    String token = jws("RS256", "rsa-2", rotated, PAYLOAD);
    server.publish(List.of(TestKeys.RSA, TestKeys.EC, rotated));
    assertThat(result(token)).isEqualTo(ValidationResult.OK);
    assertThat(server.hits.get()).isEqualTo(2);
  }

  @Test
  void aFloodOfRandomKidsCausesAtMostOneFetchPerCooldown() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()));
    assertThat(server.hits.get()).isEqualTo(1);
    assertThat(flood(200)).containsOnly(ValidationResult.UNKNOWN_KID);
    assertThat(server.hits.get()).isEqualTo(2); // one shared refresh for all 200
    clock.advance(Duration.ofSeconds(29));
    assertThat(flood(200)).containsOnly(ValidationResult.UNKNOWN_KID);
    assertThat(server.hits.get()).isEqualTo(2); // still inside the 30 s cooldown
    clock.advance(Duration.ofSeconds(2));
    assertThat(flood(200)).containsOnly(ValidationResult.UNKNOWN_KID);
    assertThat(server.hits.get()).isEqualTo(3);
  }

  @Test
  void aFloodFromSeveralEventLoopsAtOnceStillSharesOneFetch() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()));
    List<CompletableFuture<List<ValidationResult>>> floods = new ArrayList<>();
    for (int loop = 0; loop < 4; loop++) {
      floods.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return floodOn(vertx.getOrCreateContext(), 50);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (var f : floods) {
      assertThat(f.get(20, TimeUnit.SECONDS)).containsOnly(ValidationResult.UNKNOWN_KID);
    }
    assertThat(server.hits.get()).isEqualTo(2);
  }

  /** 200 concurrent validations, each with a fresh random kid, from an event loop. */
  List<ValidationResult> flood(int n) throws Exception {
    return floodOn(vertx.getOrCreateContext(), n);
  }

  List<ValidationResult> floodOn(Context context, int n) throws Exception {
    CompletableFuture<List<ValidationResult>> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          List<Future<Validation>> all = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            all.add(
                validator.validate(
                    jws("RS256", UUID.randomUUID().toString(), TestKeys.RSA, PAYLOAD)));
          }
          Future.all(all)
              .onComplete(ar -> done.complete(all.stream().map(f -> f.result().result()).toList()));
        });
    return done.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theUnknownKidAnswerComesBackOnTheCallersContext() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()));
    Context caller = vertx.getOrCreateContext();
    CompletableFuture<Boolean> sameContext = new CompletableFuture<>();
    caller.runOnContext(
        v ->
            validator
                .validate(UNKNOWN_KID_TOKEN)
                .onComplete(ar -> sameContext.complete(Vertx.currentContext() == caller)));
    assertThat(sameContext.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void jwksDownKeepsKnownKeysUntilTheStalenessBoundThenNotReady() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()));
    String longLived =
        jws("RS256", "rsa-1", TestKeys.RSA, payload("\"aud\":\"portcullis\"", NOW + 8 * 3600, NOW));
    assertThat(result(longLived)).isEqualTo(ValidationResult.OK);
    server.close();

    clock.advance(Duration.ofHours(5).plusMinutes(59));
    assertThatThrownBy(() -> await(keys.refresh())) // connection refused
        .hasRootCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refresh failed: jwks:" + server.url());
    SourceStatus status = keys.sources().get(0);
    assertThat(status.lastError()).isNotNull();
    assertThat(status.lastSuccess()).isEqualTo(NOW_INSTANT);
    assertThat(status.stale()).isFalse();
    assertThat(result(longLived)).isEqualTo(ValidationResult.OK);
    assertThat(keys.health().ready()).isTrue();

    clock.advance(Duration.ofMinutes(1).plusSeconds(1)); // 6 h + 1 s after the last success
    assertThat(result(longLived)).isEqualTo(ValidationResult.NO_KEYS);
    KeySetHealth health = keys.health();
    assertThat(health.ready()).isFalse();
    assertThat(health.usableKeys()).isZero();
    assertThat(health.staleSources()).containsExactly("jwks:" + server.url());
    assertThat(keys.keys()).extracting(KeyInfo::state).containsOnly("stale");
    assertThat(
            registry
                .get("portcullis.keyset.refresh")
                .tags("source", "jwks:" + server.url(), "result", "failure")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(1.0);
  }

  @Test
  void aJwksDownSinceBootIsNoKeysAndNotReady() throws Exception {
    server.status = 503;
    start(KeySetOptions.builder().jwksUrl(server.url()));
    assertThat(keys.health().ready()).isFalse();
    assertThat(keys.sources().get(0).lastError()).isEqualTo("HTTP 503");
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.NO_KEYS);
    // it comes back: the next shared refresh (after the cooldown) finds the keys
    server.status = 200;
    clock.advance(Duration.ofSeconds(31));
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(keys.health().ready()).isTrue();
  }

  @Test
  void cacheControlMaxAgeSchedulesTheNextFetch() throws Exception {
    server.cacheControl = "public, max-age=1";
    start(
        KeySetOptions.builder()
            .jwksUrl(server.url())
            .jwksMinRefresh(Duration.ofSeconds(1))
            .jwksRefreshInterval(Duration.ofHours(1)));
    eventually(() -> server.hits.get() >= 3);
  }

  @Test
  void aFailingJwksIsRetriedWithBackoffAndRecovers() throws Exception {
    start(
        KeySetOptions.builder()
            .jwksUrl(server.url())
            .jwksMinRefresh(Duration.ofSeconds(1))
            .jwksRefreshInterval(Duration.ofHours(1)));
    server.status = 500;
    assertThatThrownBy(() -> await(keys.refresh())).hasMessageContaining("HTTP 500");
    assertThat(keys.sources().get(0).lastError()).isEqualTo("HTTP 500");
    int afterFailure = server.hits.get();
    eventually(() -> server.hits.get() >= afterFailure + 2); // retried on its own, 1 s apart
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK); // last good keys kept
    server.status = 200;
    eventually(() -> keys.sources().get(0).lastError() == null);
  }

  @Test
  void keysTheAllowListCannotUseAreSkipped() throws Exception {
    JWK withRs384 =
        new RSAKey.Builder(TestKeys.rsa("rs384").toRSAPublicKey())
            .keyID("rs384")
            .algorithm(com.nimbusds.jose.JWSAlgorithm.RS384)
            .build();
    server.publish(List.of(TestKeys.RSA, withRs384));
    start(KeySetOptions.builder().jwksUrl(server.url()));
    assertThat(keys.keys()).extracting(KeyInfo::kid).containsExactly("rsa-1");
  }

  @Test
  void currentKidMissingMakesTheKeysetNotReady() throws Exception {
    start(KeySetOptions.builder().jwksUrl(server.url()).currentKid("rsa-next"));
    KeySetHealth health = keys.health();
    assertThat(health.currentKidPresent()).isFalse();
    assertThat(health.ready()).isFalse();
    server.publish(List.of(TestKeys.RSA, TestKeys.rsa("rsa-next")));
    await(keys.refresh());
    assertThat(keys.health().ready()).isTrue();
  }
}

package io.portcullis.keyset;

import static io.portcullis.keyset.TokenFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.keyset.impl.KeySetMetrics;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The exact Prometheus names of SPEC §7 that this module publishes: they are a contract. */
class MetricsTest {

  @Test
  void prometheusNamesAndLabels() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (JwksServer server = new JwksServer(vertx, List.of(TestKeys.EC))) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      MutableClock clock = new MutableClock(NOW_INSTANT);
      KeySet keys =
          KeySet.create(
              vertx,
              KeySetOptions.builder()
                  .pemKey("rsa-1", TestKeys.pem(TestKeys.RSA))
                  .jwksUrl(server.url())
                  .build(),
              clock,
              registry);
      keys.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      TokenValidator validator = TokenValidator.create(keys, validatorOptions(), clock, registry);
      validator.validate(GOOD_RS256_TOKEN);
      validator.validate(GOOD_RS256_TOKEN);

      String jwks = "jwks:" + server.url();
      String text = registry.scrape();
      assertThat(text)
          .contains("portcullis_keyset_keys{source=\"pem\",state=\"active\"} 1")
          .contains("portcullis_keyset_keys{source=\"pem\",state=\"stale\"} 0")
          .contains("portcullis_keyset_keys{source=\"" + jwks + "\",state=\"active\"} 1")
          .contains("portcullis_keyset_refresh_total{result=\"success\",source=\"pem\"} 1")
          .contains("portcullis_keyset_refresh_total{result=\"success\",source=\"" + jwks + "\"} 1")
          .contains("portcullis_keyset_refresh_total{result=\"failure\",source=\"" + jwks + "\"} 0")
          .contains(
              "portcullis_keyset_last_success_timestamp_seconds{source=\"pem\"} " + (double) NOW)
          .contains("portcullis_auth_validate_duration_seconds_bucket{le=")
          .contains("portcullis_auth_validate_duration_seconds_count 2")
          .contains("portcullis_token_cache_requests_total{result=\"hit\"} 1")
          .contains("portcullis_token_cache_requests_total{result=\"miss\"} 1");
      // no token, secret or claim ever reaches a label
      assertThat(text).doesNotContain(GOOD_RS256_TOKEN.substring(0, 20)).doesNotContain("acme");
      // no JWT_KEY_ID_CURRENT: no current-kid series at all (absent, not 0: nothing to alert on)
      assertThat(text).doesNotContain("portcullis_keyset_current_kid_present");
      keys.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  /** The alert rules' PortcullisCurrentKidMissing queries exactly this name. */
  @Test
  void currentKidPresentGauge() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      PrometheusMeterRegistry present = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      KeySet.create(
          vertx,
          KeySetOptions.builder()
              .pemKey("rsa-1", TestKeys.pem(TestKeys.RSA))
              .currentKid("rsa-1")
              .build(),
          new MutableClock(NOW_INSTANT),
          present);
      assertThat(present.scrape()).contains("\nportcullis_keyset_current_kid_present 1.0\n");

      PrometheusMeterRegistry missing = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      KeySet k9 =
          KeySet.create(
              vertx,
              KeySetOptions.builder()
                  .pemKey("rsa-1", TestKeys.pem(TestKeys.RSA))
                  .currentKid("k9")
                  .build(),
              new MutableClock(NOW_INSTANT),
              missing);
      assertThat(missing.scrape())
          .contains("\nportcullis_keyset_current_kid_present 0.0\n")
          .doesNotContain("k9"); // a kid is not a label value
      assertThat(k9.health().currentKidPresent()).isFalse();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  /** k8s/monitoring's refresh alert matches result="success" and result="failure" exactly. */
  @Test
  void refreshResultsAreSuccessAndFailure() {
    assertThat(KeySetMetrics.RESULT_SUCCESS).isEqualTo("success");
    assertThat(KeySetMetrics.RESULT_FAILURE).isEqualTo("failure");
  }

  /** JWT_PUBLIC_KEYS_PEM and HMAC keys are configuration: they never age, however long we run. */
  @Test
  void staticSourcesNeverGoStale() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      MutableClock clock = new MutableClock(NOW_INSTANT);
      KeySet keys =
          KeySet.create(
              vertx,
              KeySetOptions.builder()
                  .pemKey("rsa-1", TestKeys.pem(TestKeys.RSA))
                  .hmacKey("hs-1", "0123456789abcdef0123456789abcdef".getBytes(), "HS256")
                  .algorithms(java.util.Set.of("RS256", "HS256"))
                  .maxStaleness(java.time.Duration.ofHours(6))
                  .build(),
              clock,
              registry);
      keys.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      clock.advance(java.time.Duration.ofDays(400));
      assertThat(keys.health().staleSources()).isEmpty();
      assertThat(keys.health().ready()).isTrue();
      assertThat(keys.sources()).extracting(SourceStatus::stale).containsOnly(false);
      assertThat(keys.keys()).extracting(KeyInfo::state).containsOnly("active");
      assertThat(keys.lookup("rsa-1").key()).isNotNull();
      // current at every scrape, so time() - last_success never crosses the stale alert's 5 h
      double now = clock.instant().getEpochSecond();
      assertThat(registry.scrape())
          .contains("portcullis_keyset_keys{source=\"pem\",state=\"stale\"} 0")
          .contains("portcullis_keyset_keys{source=\"pem\",state=\"active\"} 1")
          .contains("portcullis_keyset_keys{source=\"hmac\",state=\"stale\"} 0")
          .contains("portcullis_keyset_last_success_timestamp_seconds{source=\"pem\"} " + now)
          .contains("portcullis_keyset_last_success_timestamp_seconds{source=\"hmac\"} " + now);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }
}

package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code PORTCULLIS_RATE_LIMIT=off} and a route's {@code rate_limit: off}: "no limit" where the
 * default or that route's own policy would apply, while overrides and other routes' policies still
 * limit. An unlimited response carries no rate-limit headers and counts no decision. The buckets'
 * clock is frozen, so nothing refills during a test.
 */
class RateLimitOffTest {
  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  WebClient web;
  Gateway gateway;
  Clock frozen = Clock.fixed(Instant.now(), ZoneOffset.UTC);

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      await(gateway.stop());
    }
    await(vertx.close());
  }

  void startGateway(String yaml, Map<String, String> env) {
    gateway =
        await(
            Gateway.builder(TestGateways.config(yaml.formatted(upstream.url()), keys, env))
                .vertx(vertx)
                .clock(frozen)
                .instances(1)
                .build()
                .start());
  }

  HttpResponse<Buffer> get(String path, String org) {
    return await(
        web.get(gateway.proxyPort(), "127.0.0.1", path)
            .putHeader("Authorization", "Bearer " + keys.token(org))
            .send());
  }

  String metrics() {
    return await(web.get(gateway.adminPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
  }

  @Test
  void theDefaultOffLeavesTenantsUnlimitedButOverridesAndRoutePoliciesStillLimit() {
    startGateway(
        """
        rate_limit_overrides: {"org:abuser": "1/min"}
        routes:
          - path: /reports/
            upstream: %1$s
            rate_limit: 1/min
          - path: /
            upstream: %1$s
        """,
        Map.of("PORTCULLIS_RATE_LIMIT", "off"));
    for (int i = 0; i < 30; i++) {
      HttpResponse<Buffer> r = get("/a", "acme");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("RateLimit-Policy")).isNull();
      assertThat(r.getHeader("RateLimit")).isNull();
    }
    assertThat(metrics()).doesNotContain("portcullis_ratelimit_decisions_total{");

    // an operator can still clamp one tenant
    assertThat(get("/a", "abuser").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> clamped = get("/a", "abuser");
    assertThat(clamped.statusCode()).isEqualTo(429);
    assertThat(clamped.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=1;w=60");
    // and an override set at runtime applies at once
    gateway
        .rateLimitPolicies()
        .setOverride("org:acme", io.portcullis.ratelimit.RateLimitPolicy.parse("1/min"));
    assertThat(get("/a", "acme").statusCode()).isEqualTo(200);
    assertThat(get("/a", "acme").statusCode()).isEqualTo(429);
    // a route's own policy still applies
    assertThat(get("/reports/x", "other").statusCode()).isEqualTo(200);
    assertThat(get("/reports/x", "other").statusCode()).isEqualTo(429);
  }

  @Test
  void aRouteOffIsUnlimitedWhileOtherRoutesKeepTheDefault() {
    startGateway(
        """
        rate_limit: 1/min
        routes:
          - path: /bulk/
            upstream: %1$s
            rate_limit: off
          - path: /
            upstream: %1$s
        """,
        Map.of());
    for (int i = 0; i < 10; i++) {
      HttpResponse<Buffer> r = get("/bulk/x", "acme");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("RateLimit")).isNull();
    }
    // the off route drew nothing from acme's default bucket
    HttpResponse<Buffer> first = get("/a", "acme");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"default\";q=1;w=60");
    assertThat(get("/a", "acme").statusCode()).isEqualTo(429);
  }
}

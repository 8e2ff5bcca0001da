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
 * Step 7 with the in-process limiter, and the per-IP auth-failure budget. The limiter's clock is
 * frozen, so buckets do not refill during the test.
 */
class RateLimitPipelineTest {
  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  WebClient web;
  Gateway gateway;
  // Tokens are checked against real time; the frozen clock only drives the buckets' refill.
  Clock frozen = Clock.fixed(Instant.now(), ZoneOffset.UTC);

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    web = WebClient.create(vertx);
    String yaml =
        """
        rate_limit: 2/min
        auth_failure_limit: 3/min
        rate_limit_overrides: {"org:vip": "5/min", "client:vipclient": "100/min"}
        routes:
          - path: /public/
            upstream: %1$s
            auth: none
            rate_limit: 1/min
          - path: /
            upstream: %1$s
        """
            .formatted(upstream.url());
    gateway =
        await(
            Gateway.builder(TestGateways.config(yaml, keys, Map.of()))
                .vertx(vertx)
                .clock(frozen)
                .instances(1)
                .build()
                .start());
  }

  @AfterEach
  void stop() {
    await(gateway.stop());
    await(vertx.close());
  }

  HttpResponse<Buffer> get(String path, String token) {
    var req = web.get(gateway.proxyPort(), "127.0.0.1", path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return await(req.send());
  }

  @Test
  void perTenantLimitWithHeadersAndRetryAfter() {
    HttpResponse<Buffer> first = get("/a", keys.token("acme"));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"default\";q=2;w=60");
    assertThat(first.getHeader("RateLimit")).startsWith("\"default\";r=1;t=");
    assertThat(get("/a", keys.token("acme")).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> limited = get("/a", keys.token("acme"));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(Long.parseLong(limited.getHeader("Retry-After"))).isBetween(1L, 60L);
    assertThat(limited.getHeader("RateLimit")).startsWith("\"default\";r=0;");
    // Another tenant has its own bucket; an override raises one tenant.
    assertThat(get("/a", keys.token("other")).statusCode()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      assertThat(get("/a", keys.token("vip")).statusCode()).isEqualTo(200);
    }
    assertThat(get("/a", keys.token("vip")).statusCode()).isEqualTo(429);
  }

  /**
   * RUNBOOK "clamp an abusive source": an ip: override set at runtime limits that address on an
   * authenticated route, for valid and forged tokens alike (before any token work: a forged token
   * past the clamp gets 429, not 401), on top of the tenant's own limit; removing it restores the
   * tenant's limit untouched by the clamped requests' answers.
   */
  @Test
  void anIpOverrideClampsTheSourceOnAuthenticatedRoutesBeforeTokenWork() {
    gateway
        .rateLimitPolicies()
        .setOverride("ip:127.0.0.1", io.portcullis.ratelimit.RateLimitPolicy.parse("3/min"));
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> ok = get("/a", keys.token("vip")); // vip's own limit is 5/min
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=5;w=60");
    }
    HttpResponse<Buffer> clamped = get("/a", keys.token("vip"));
    assertThat(clamped.statusCode()).isEqualTo(429);
    assertThat(clamped.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(clamped.getHeader("RateLimit-Policy")).isEqualTo("\"override_ip\";q=3;w=60");
    assertThat(clamped.getHeader("Retry-After")).isNotNull();
    assertThat(get("/a", "forged." + keys.token("vip")).statusCode())
        .as("refused before any signature work")
        .isEqualTo(429);

    gateway.rateLimitPolicies().removeOverride("ip:127.0.0.1");
    // vip spent 3 of 5 while clamped (the clamped 429s spent nothing of the tenant's)
    assertThat(get("/a", keys.token("vip")).statusCode()).isEqualTo(200);
    assertThat(get("/a", keys.token("vip")).statusCode()).isEqualTo(200);
    assertThat(get("/a", keys.token("vip")).statusCode()).isEqualTo(429);
  }

  /** A re-login stampede: on-call raises the default for every tenant without a rollout. */
  @Test
  void theDefaultCanBeRaisedAtRuntime() {
    gateway
        .rateLimitPolicies()
        .setOverride("default", io.portcullis.ratelimit.RateLimitPolicy.parse("5/min"));
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> ok = get("/a", keys.token("stampede"));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.getHeader("RateLimit-Policy")).isEqualTo("\"default\";q=5;w=60");
    }
    assertThat(get("/a", keys.token("stampede")).statusCode()).isEqualTo(429);
    gateway.rateLimitPolicies().removeOverride("default");
    assertThat(get("/a", keys.token("calm")).getHeader("RateLimit-Policy"))
        .isEqualTo("\"default\";q=2;w=60");
  }

  @Test
  void theLimitIsKeyedOnVerifiedClaimsNeverOnClientHeaders() {
    assertThat(get("/a", keys.token("acme")).statusCode()).isEqualTo(200);
    assertThat(get("/a", keys.token("acme")).statusCode()).isEqualTo(200);
    // acme's bucket is empty. Identity headers a client sends name no bucket: X-Client-Id of a
    // client with a generous override, X-Subject, and an X-Org-Id of another tenant.
    var asVipClient =
        await(
            web.get(gateway.proxyPort(), "127.0.0.1", "/a")
                .putHeader("Authorization", "Bearer " + keys.token("acme"))
                .putHeader("X-Client-Id", "vipclient")
                .putHeader("X-Subject", "someone-else")
                .send());
    assertThat(asVipClient.statusCode()).isEqualTo(429);
    assertThat(asVipClient.getHeader("RateLimit-Policy")).isEqualTo("\"default\";q=2;w=60");
    var asOtherOrg =
        await(
            web.get(gateway.proxyPort(), "127.0.0.1", "/a")
                .putHeader("Authorization", "Bearer " + keys.token("acme"))
                .putHeader("X-Org-Id", "other")
                .send());
    assertThat(asOtherOrg.statusCode()).isEqualTo(403);
    assertThat(asOtherOrg.bodyAsJsonObject().getString("error")).isEqualTo("org_mismatch");
    // the verified client_id does select the client override
    String vipClientToken =
        keys.token(
            Map.of("org_id", "acme", "client_id", "vipclient"), Instant.now().plusSeconds(3600));
    HttpResponse<Buffer> viaClaim = get("/a", vipClientToken);
    assertThat(viaClaim.statusCode()).isEqualTo(200);
    assertThat(viaClaim.getHeader("RateLimit-Policy")).isEqualTo("\"override_client\";q=100;w=60");
    // other's bucket was never touched by the mismatched request
    assertThat(get("/a", keys.token("other")).getHeader("RateLimit"))
        .startsWith("\"default\";r=1;");
  }

  @Test
  void decisionsAreCountedByPolicyAndDecisionWithoutATenantLabel() {
    get("/a", keys.token("acme"));
    get("/a", keys.token("acme"));
    get("/a", keys.token("acme"));
    String metrics =
        await(web.get(gateway.adminPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(metrics)
        .contains(
            "portcullis_ratelimit_decisions_total{decision=\"allowed\",policy=\"default\"} 2.0")
        .contains(
            "portcullis_ratelimit_decisions_total{decision=\"limited\",policy=\"default\"} 1.0")
        .contains("portcullis_ratelimit_backend_errors_total 0.0")
        .doesNotContain("acme");
  }

  @Test
  void overridesChangeAtRuntimeThroughThePolicies() {
    gateway
        .rateLimitPolicies()
        .setOverride("org:acme", io.portcullis.ratelimit.RateLimitPolicy.parse("1/min"));
    assertThat(get("/a", keys.token("acme")).statusCode()).isEqualTo(200);
    assertThat(get("/a", keys.token("acme")).statusCode()).isEqualTo(429);
  }

  @Test
  void publicRoutesAreLimitedPerIp() {
    assertThat(get("/public/x", null).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> limited = get("/public/x", null);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("RateLimit-Policy")).isEqualTo("\"route\";q=1;w=60");
  }

  @Test
  void authFailuresPastTheBudgetAre429BeforeValidation() {
    for (int i = 0; i < 3; i++) {
      assertThat(get("/a", "forged.token.value").statusCode()).isEqualTo(401);
    }
    // The fourth failure exhausts the bucket; from then on the address is refused up front,
    // even with a valid token, until the bucket refills.
    assertThat(get("/a", "forged.token.value").statusCode()).isEqualTo(401);
    HttpResponse<Buffer> refused = get("/a", keys.token("acme"));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(refused.getHeader("Retry-After")).isNotNull();
    // SPEC: rate-limit headers on every limited response, the budget's own included
    assertThat(refused.getHeader("RateLimit-Policy")).isEqualTo("\"auth_failure\";q=3;w=60");
    assertThat(refused.getHeader("RateLimit"))
        .isEqualTo("\"auth_failure\";r=0;t=" + refused.getHeader("Retry-After"));
    String metrics =
        await(web.get(gateway.adminPort(), "127.0.0.1", "/metrics").send()).bodyAsString();
    assertThat(metrics).contains("portcullis_auth_results_total{result=\"malformed\"} 4.0");
  }
}

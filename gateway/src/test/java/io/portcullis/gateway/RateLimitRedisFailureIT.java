package io.portcullis.gateway;

import static io.portcullis.gateway.RateLimitClusterIT.awaitMetric;
import static io.portcullis.gateway.RateLimitClusterIT.metrics;
import static io.portcullis.gateway.RateLimitClusterIT.sum;
import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.portcullis.gateway.support.Traffic;
import io.portcullis.ratelimit.FailureMode;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 3's fault injection through the real gateway: two gateway instances (each its own Vert.x),
 * configured by {@code REDIS_URL} and {@code PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE} with the
 * default 50 ms Redis bound, share a Redis of the test's own. Under load, the test kills Redis and
 * then restarts it:
 *
 * <ul>
 *   <li>{@code local} and {@code open}: no 5xx, {@code /readyz} stays 200;
 *   <li>{@code closed}: 503 {@code service_unavailable} with {@code Retry-After}, {@code /readyz}
 *       503 naming the rate-limit check — and only under {@code closed};
 *   <li>in every mode no request waits on the dead Redis: the longest request of each phase is
 *       recorded, and held under a generous ceiling while Redis is down or coming back;
 *   <li>after the restart, without restarting a gateway, the limit is shared again: a tenant's
 *       whole budget spent on one instance leaves nothing on the other.
 * </ul>
 */
class RateLimitRedisFailureIT {
  /**
   * A generous ceiling for "not waiting on Redis": the bound is the 50 ms call timeout, then 0 once
   * the breaker is open; a request that waited for a Redis connect or command timeout (seconds)
   * would cross it. End-to-end through HTTP, the gateway and the upstream on a shared machine.
   */
  private static final long CEILING_MILLIS = 2_000;

  private static final Duration TICK = Duration.ofMillis(10);

  @ParameterizedTest
  @EnumSource(FailureMode.class)
  void killAndRestartRedisUnderLoad(FailureMode mode) throws Exception {
    String modeName = mode.name().toLowerCase(Locale.ROOT);
    TestKeys keys = new TestKeys("k1");
    Vertx clientVertx = Vertx.vertx();
    TestUpstream upstream = await(new TestUpstream().start(clientVertx));
    WebClient web = WebClient.create(clientVertx);
    List<Vertx> vertxes = new ArrayList<>();
    List<Gateway> gateways = new ArrayList<>();
    Traffic traffic = null;
    try (RedisServer redis = RedisServer.startPrivate()) {
      for (int i = 0; i < 2; i++) {
        Vertx v = Vertx.vertx();
        vertxes.add(v);
        gateways.add(
            await(
                Gateway.builder(
                        TestGateways.config(
                            "upstream: " + upstream.url() + "\n",
                            keys,
                            Map.of(
                                "REDIS_URL",
                                redis.url(),
                                "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE",
                                modeName,
                                "PORTCULLIS_RATE_LIMIT",
                                "50/s",
                                // 10 per hour: no refill within a proof
                                "RL_OVERRIDES_JSON",
                                "{\"org:proof-before\": \"10/h\", \"org:proof-after\": \"10/h\"}")))
                    .vertx(v)
                    .instances(1)
                    .build()
                    .start()));
      }
      Gateway a = gateways.get(0);
      Gateway b = gateways.get(1);
      for (Gateway g : gateways) {
        awaitMetric(web, g, "portcullis_ratelimit_backend_healthy", 1.0);
        assertThat(readyz(web, g).statusCode()).isEqualTo(200);
      }

      traffic = new Traffic(clientVertx, List.of(a.proxyPort(), b.proxyPort()));
      // ~100/s over both instances against 50/s: Redis answers allowed and limited
      String tenant = "bulk-" + UUID.randomUUID().toString().substring(0, 8);
      Traffic.Flow load = traffic.flow("/api/x", keys.token(tenant), 1);
      traffic.start(TICK);
      Thread.sleep(1_000);
      // distributed before the fault, proven under load
      assertSharedLimit(web, keys, a, b, "proof-before");
      Traffic.Tally healthy = load.next();

      redis.stop(); // SIGKILL: connections drop; returns once the port is closed
      // requests sent while the kill was under way may still have been answered by Redis
      Traffic.Tally killing = load.next();
      long killedAt = System.nanoTime();
      for (Gateway g : gateways) {
        awaitMetric(web, g, "portcullis_ratelimit_backend_healthy", 0.0);
      }
      long breakerOpenMillis = (System.nanoTime() - killedAt) / 1_000_000;
      Thread.sleep(2_000);
      HttpResponse<Buffer> readyA = readyz(web, a);
      HttpResponse<Buffer> readyB = readyz(web, b);
      Traffic.Tally down = load.next();
      String metricsDown = metrics(web, a);

      long restartedAt = System.nanoTime();
      redis.start();
      for (Gateway g : gateways) {
        awaitMetric(web, g, "portcullis_ratelimit_backend_healthy", 1.0);
      }
      long recoveredMillis = (System.nanoTime() - restartedAt) / 1_000_000;
      Traffic.Tally recovering = load.next();
      Thread.sleep(1_000);
      Traffic.Tally back = load.next();
      traffic.stop();

      System.out.printf(
          "gateway, Redis killed under load, mode %s: breaker open %d ms after the kill;"
              + " recovered (both instances healthy) %d ms after the restart; max latency healthy"
              + " %d ms, during the kill %d ms, Redis down %d ms, recovering %d ms, back %d ms;"
              + " healthy %s; during the kill %s; down %s; recovering %s; back %s%n",
          modeName,
          breakerOpenMillis,
          recoveredMillis,
          healthy.maxLatencyMillis(),
          killing.maxLatencyMillis(),
          down.maxLatencyMillis(),
          recovering.maxLatencyMillis(),
          back.maxLatencyMillis(),
          healthy,
          killing,
          down,
          recovering,
          back);

      for (Traffic.Tally t : List.of(healthy, killing, down, recovering, back)) {
        assertThat(t.errors.sum()).as("no failed request: %s", t.lastError).isZero();
        assertThat(t.answered()).isEqualTo(t.sent());
      }
      // Redis unusable: nobody waits on it (with Redis up a busy machine's stalls are its own)
      for (Traffic.Tally t : List.of(killing, down, recovering)) {
        assertThat(t.maxLatencyMillis()).as("no request waits on Redis").isLessThan(CEILING_MILLIS);
      }
      // With Redis up, a decision is distributed unless one call misses the 50 ms bound (a busy
      // machine): then that one request gets the failure mode's answer, under closed a 503.
      for (Traffic.Tally t : List.of(healthy, back)) {
        assertThat(t.count(200)).isPositive();
        if (mode == FailureMode.CLOSED) {
          assertThat(t.statuses().keySet()).isSubsetOf(200, 429, 503);
        } else {
          assertThat(t.statuses().keySet()).isSubsetOf(200, 429);
        }
      }
      if (mode != FailureMode.CLOSED) {
        assertThat(killing.statuses().keySet()).isSubsetOf(200, 429);
        assertThat(recovering.statuses().keySet()).isSubsetOf(200, 429);
      }

      JsonObject checkA =
          readyA.bodyAsJsonObject().getJsonObject("checks").getJsonObject("ratelimit");
      switch (mode) {
        case LOCAL -> {
          // each instance limits its share (50/s ÷ 2) of ~50/s offered to it: some refused
          assertThat(down.statuses().keySet()).containsOnly(200, 429);
          assertThat(down.count(429)).isPositive();
          assertThat(sum(metricsDown, "decision=\"local_allowed\"")).isPositive();
        }
        case OPEN -> {
          assertThat(down.statuses().keySet()).containsOnly(200);
          assertThat(sum(metricsDown, "decision=\"failed_open\"")).isPositive();
        }
        case CLOSED -> {
          assertThat(down.statuses().keySet()).containsOnly(503);
          HttpResponse<Buffer> refused = down.firstOther.get();
          assertThat(refused.bodyAsJsonObject().getString("error"))
              .isEqualTo("service_unavailable");
          assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
          assertThat(refused.getHeader("Content-Type")).startsWith("application/json");
          assertThat(sum(metricsDown, "decision=\"failed_closed\"")).isPositive();
        }
      }
      // readiness reflects Redis only under closed
      int expectedReady = mode == FailureMode.CLOSED ? 503 : 200;
      assertThat(readyA.statusCode()).isEqualTo(expectedReady);
      assertThat(readyB.statusCode()).isEqualTo(expectedReady);
      assertThat(checkA.getString("status")).isEqualTo(mode == FailureMode.CLOSED ? "down" : "up");
      if (mode == FailureMode.CLOSED) {
        assertThat(checkA.getString("detail")).contains("closed");
      }
      assertThat(sum(metricsDown, "portcullis_ratelimit_backend_errors_total")).isPositive();
      assertThat(metricsDown).doesNotContain(tenant).doesNotContain("proof-");

      for (Gateway g : gateways) {
        assertThat(readyz(web, g).statusCode()).as("ready again, no restart").isEqualTo(200);
      }
      assertSharedLimit(web, keys, a, b, "proof-after");
    } finally {
      if (traffic != null) {
        traffic.stop();
        traffic.close();
      }
      for (Gateway g : gateways) {
        await(g.stop());
      }
      for (Vertx v : vertxes) {
        await(v.close());
      }
      await(clientVertx.close());
    }
  }

  /**
   * Distributed limiting, observed from outside: a tenant with 10/h spends its whole budget on
   * instance {@code a}; instance {@code b} then refuses it. Under {@code local} each instance would
   * allow its own share, under {@code open} everything.
   *
   * <p>Each answer is classified by the decision counter it moved on the instance that gave it
   * ({@code /metrics}): with Redis up, one call can still miss the 50 ms bound on a busy machine
   * and be decided by the failure mode instead. Such an answer proves nothing either way and is
   * retried (its script may still have run in Redis and spent a token); a distributed answer must
   * be what one shared bucket gives.
   */
  private static void assertSharedLimit(
      WebClient web, TestKeys keys, Gateway a, Gateway b, String org) {
    String token = keys.token(org);
    int allowedOnA = 0;
    int undecidedOnA = 0;
    Proof limitedOnA = null;
    for (int i = 0; i < 30 && limitedOnA == null; i++) {
      Proof p = proof(web, a, token);
      if (p.decision().equals("allowed")) {
        allowedOnA++;
        assertThat(p.response().statusCode()).isEqualTo(200);
        assertThat(p.response().getHeader("RateLimit-Policy"))
            .isEqualTo("\"override_org\";q=10;w=3600");
      } else if (p.decision().equals("limited")) {
        limitedOnA = p;
      } else {
        undecidedOnA++;
      }
    }
    assertThat(limitedOnA)
        .as("%s: the first instance limits once the budget is spent", org)
        .isNotNull();
    // A call that missed the bound may still have run in Redis and spent a token there.
    assertThat(allowedOnA)
        .as("%s: the whole budget, from the shared bucket (%d undecided)", org, undecidedOnA)
        .isBetween(10 - undecidedOnA, 10);
    Proof onB = null;
    for (int i = 0; i < 10 && onB == null; i++) {
      Proof p = proof(web, b, token);
      if (p.decision().equals("allowed") || p.decision().equals("limited")) {
        onB = p;
      }
    }
    assertThat(onB).as("%s: a distributed decision on the second instance", org).isNotNull();
    assertThat(onB.decision())
        .as("%s: the second instance sees the spent budget", org)
        .isEqualTo("limited");
    HttpResponse<Buffer> refused = onB.response();
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.getHeader("RateLimit")).startsWith("\"override_org\";r=0;");
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(refused.getHeader("Retry-After")).isNotNull();
  }

  private record Proof(HttpResponse<Buffer> response, String decision) {}

  private static final List<String> DECISIONS =
      List.of(
          "allowed", "limited", "local_allowed", "local_limited", "failed_open", "failed_closed");

  /** One proof request on {@code g}, and the decision counter of policy override_org it moved. */
  private static Proof proof(WebClient web, Gateway g, String token) {
    double[] before = overrideOrgDecisions(web, g);
    HttpResponse<Buffer> r = get(web, g, token);
    double[] after = overrideOrgDecisions(web, g);
    String moved = null;
    for (int i = 0; i < DECISIONS.size(); i++) {
      if (after[i] != before[i]) {
        assertThat(moved).as("one decision per request").isNull();
        assertThat(after[i] - before[i]).isEqualTo(1.0);
        moved = DECISIONS.get(i);
      }
    }
    assertThat(moved).as("the request was decided").isNotNull();
    return new Proof(r, moved);
  }

  private static double[] overrideOrgDecisions(WebClient web, Gateway g) {
    String m = metrics(web, g);
    double[] out = new double[DECISIONS.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = sum(m, "decision=\"" + DECISIONS.get(i) + "\",policy=\"override_org\"");
    }
    return out;
  }

  private static HttpResponse<Buffer> get(WebClient web, Gateway g, String token) {
    return await(
        web.get(g.proxyPort(), "127.0.0.1", "/api/proof")
            .putHeader("Authorization", "Bearer " + token)
            .send());
  }

  private static HttpResponse<Buffer> readyz(WebClient web, Gateway g) {
    return await(web.get(g.adminPort(), "127.0.0.1", "/readyz").send());
  }
}

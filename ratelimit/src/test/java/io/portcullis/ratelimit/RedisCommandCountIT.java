package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.ratelimit.Decision.Outcome;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hot path costs exactly one Redis command per decision, counted by Redis itself ({@code INFO
 * commandstats}) on a server of the test's own.
 */
class RedisCommandCountIT {
  private static final Pattern CMDSTAT =
      Pattern.compile("cmdstat_([^:]+):calls=(\\d+),.*failed_calls=(\\d+)");
  private static final int N = 300;

  private RedisServer server;
  private Vertx vertx;
  private Redis admin;
  private RateLimiter limiter;

  @BeforeEach
  void start() {
    server = RedisServer.startPrivate();
    vertx = Vertx.vertx();
    admin = Redis.createClient(vertx, server.url());
    limiter =
        RateLimiter.redis(
            vertx,
            // no periodic heartbeat during the count: only the one at start
            RedisRateLimiterOptions.of(server.url())
                .withHeartbeatInterval(Duration.ofHours(1))
                .withCallTimeout(Duration.ofSeconds(1)), // semantics here, not the bound
            Clock.systemUTC(),
            new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() {
    Await.result(limiter.close());
    Await.result(admin.close());
    Await.result(vertx.close());
    server.close();
  }

  @Test
  void oneEvalshaPerDecisionAndNothingElse() {
    RateLimitPolicy policy = RateLimitPolicy.parse("100/s");
    // warm-up: connects, counts the instance, loads the script (NOSCRIPT → EVAL, once)
    Await.result(limiter.warmUp());
    awaitHeartbeat();
    assertThat(Await.result(limiter.acquire("org:warm", policy)).outcome())
        .isEqualTo(Outcome.ALLOWED);
    send(Request.cmd(Command.CONFIG).arg("RESETSTAT"));

    int allowed = 0;
    for (int i = 0; i < N; i++) {
      Decision d = Await.result(limiter.acquire("org:t" + (i % 7), policy));
      assertThat(d.outcome()).isIn(Outcome.ALLOWED, Outcome.LIMITED);
      allowed += d.allowed() ? 1 : 0;
    }
    assertThat(allowed).isPositive();

    Map<String, long[]> stats = commandStats();
    assertThat(stats.get("evalsha")[0]).isEqualTo(N);
    assertThat(stats.get("evalsha")[1]).isZero();
    // Redis also counts the calls the script makes inside Redis (no round trip): one GET and
    // one SET per decision. Nothing else may appear.
    assertThat(stats.get("get")[0]).isEqualTo(N);
    assertThat(stats.get("set")[0]).isEqualTo(N);
    assertThat(stats.keySet())
        .as("no other command reached Redis")
        // the test's own CONFIG RESETSTAT: "config|resetstat" from Redis 7, "config" before
        .isSubsetOf("evalsha", "get", "set", "config|resetstat", "config", "info");
  }

  @Test
  void aFlushedScriptCacheCostsOneEvalAndIsNotAFailure() {
    RateLimitPolicy policy = RateLimitPolicy.parse("100/s");
    Await.result(limiter.warmUp());
    Await.result(limiter.acquire("org:warm", policy));
    send(Request.cmd(Command.SCRIPT).arg("FLUSH"));
    send(Request.cmd(Command.CONFIG).arg("RESETSTAT"));
    assertThat(Await.result(limiter.acquire("org:a", policy)).outcome()).isEqualTo(Outcome.ALLOWED);
    assertThat(Await.result(limiter.acquire("org:a", policy)).outcome()).isEqualTo(Outcome.ALLOWED);
    Map<String, long[]> stats = commandStats();
    assertThat(stats.get("evalsha")[0]).isEqualTo(2);
    assertThat(stats.get("evalsha")[1]).as("the one NOSCRIPT").isEqualTo(1);
    assertThat(stats.get("eval")[0]).isEqualTo(1);
  }

  @Test
  void aForeignValueAtOneBucketFallsBackThereWithoutOpeningTheBreaker() {
    RateLimitPolicy policy = RateLimitPolicy.parse("100/s");
    Await.result(limiter.warmUp());
    send(Request.cmd(Command.SET).arg("portcullis:rl:{org:foreign}").arg("not a bucket"));
    for (int i = 0; i < 10; i++) {
      assertThat(Await.result(limiter.acquire("org:foreign", policy)).outcome())
          .isEqualTo(Outcome.LOCAL_ALLOWED);
    }
    assertThat(limiter.backendHealthy()).as("ten in a row, breaker still closed").isTrue();
    assertThat(Await.result(limiter.acquire("org:other", policy)).outcome())
        .isEqualTo(Outcome.ALLOWED);
    assertThat(
            Await.result(admin.send(Request.cmd(Command.GET).arg("portcullis:rl:{org:foreign}")))
                .toString())
        .isEqualTo("not a bucket");
  }

  private void awaitHeartbeat() {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      var keys =
          Await.result(admin.send(Request.cmd(Command.KEYS).arg("portcullis:rl:{instances}")));
      if (keys.size() == 1) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("the start-up heartbeat never reached Redis");
  }

  private void send(Request r) {
    Await.result(admin.send(r));
  }

  private Map<String, long[]> commandStats() {
    String info =
        Await.result(admin.send(Request.cmd(Command.INFO).arg("commandstats"))).toString();
    Map<String, long[]> stats = new HashMap<>();
    for (String line : info.split("\r?\n")) {
      Matcher m = CMDSTAT.matcher(line.trim());
      if (m.matches()) {
        stats.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
      }
    }
    return stats;
  }
}

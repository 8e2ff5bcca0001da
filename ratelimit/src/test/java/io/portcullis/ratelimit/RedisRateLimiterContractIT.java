package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract against the Redis backend on the shared Redis, isolated by a unique key prefix. The
 * clock is injected into the Lua script, so refill is driven by the test's clock exactly as
 * in-process.
 */
class RedisRateLimiterContractIT extends RateLimiterContract {
  private static Vertx vertx;
  private static Redis admin;
  private static final String PREFIX = RedisServer.uniquePrefix() + "rl:";

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    admin = Redis.createClient(vertx, RedisServer.shared().url());
  }

  @AfterAll
  static void stopVertx() {
    Await.result(admin.close());
    Await.result(vertx.close());
  }

  @Override
  protected RateLimiter create(MutableClock clock, MeterRegistry registry) {
    return RateLimiter.redis(
        vertx,
        RedisRateLimiterOptions.of(RedisServer.shared().url())
            .withKeyPrefix(PREFIX)
            .withCallTimeout(Duration.ofSeconds(1)), // semantics here, not the bound
        clock,
        registry);
  }

  /**
   * Redis expires keys on its own (real) clock, which the test cannot move: assert the bucket's key
   * is armed to expire once the bucket is full again (plus the one-second skew margin), and that
   * nothing decided in this suite came from the local fallback.
   */
  @Override
  protected void assertIdleStateReleased(
      String bucketKey, RateLimitPolicy policy, Duration idleFor) {
    long pttl =
        Await.result(admin.send(Request.cmd(Command.PTTL).arg(PREFIX + "{" + bucketKey + "}")))
            .toLong();
    assertThat(pttl)
        .isGreaterThan(idleFor.toMillis())
        .isLessThanOrEqualTo(idleFor.toMillis() + 1000);
    assertThat(count("default", "local_allowed") + count("default", "local_limited")).isZero();
    clock.advance(idleFor);
  }
}

package io.portcullis.ratelimit.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.ratelimit.MutableClock;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private final MutableClock clock = MutableClock.atSomeInstant();
  private final CircuitBreaker breaker =
      new CircuitBreaker(clock, 3, Duration.ofMillis(100), Duration.ofMillis(350));

  @Test
  void opensAfterConsecutiveFailuresOnly() {
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess(); // resets the streak
    assertThat(breaker.onFailure()).isFalse();
    assertThat(breaker.onFailure()).isFalse();
    assertThat(breaker.allowRequest()).isTrue();
    assertThat(breaker.onFailure()).isTrue();
    assertThat(breaker.allowRequest()).isFalse();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void probesOnceAfterTheBackoffWhichDoublesUpToItsMaximum() {
    open();
    assertThat(breaker.tryStartProbe()).isFalse();
    clock.advanceMillis(100);
    assertThat(breaker.tryStartProbe()).isTrue();
    assertThat(breaker.tryStartProbe()).as("one probe at a time").isFalse();
    assertThat(breaker.allowRequest()).as("half-open lets no request through").isFalse();
    breaker.probeFailed();
    clock.advanceMillis(199);
    assertThat(breaker.tryStartProbe()).isFalse();
    clock.advanceMillis(1);
    assertThat(breaker.tryStartProbe()).isTrue();
    breaker.probeFailed(); // 400 capped at 350
    assertThat(breaker.untilNextProbe()).isEqualTo(Duration.ofMillis(350));
    clock.advanceMillis(350);
    assertThat(breaker.tryStartProbe()).isTrue();
    breaker.probeSucceeded();
    assertThat(breaker.allowRequest()).isTrue();
    assertThat(breaker.untilNextProbe()).isZero();
    open();
    assertThat(breaker.untilNextProbe())
        .as("backoff restarts from its minimum")
        .isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void theLocalShareDividesByLiveInstancesRoundingUp() {
    RateLimitPolicy p = RateLimitPolicy.parse("50/s burst 10");
    assertThat(RedisRateLimiter.share(p, 1)).isEqualTo(p);
    assertThat(RedisRateLimiter.share(p, 3)).isEqualTo(RateLimitPolicy.parse("17/s burst 4"));
    assertThat(RedisRateLimiter.share(RateLimitPolicy.parse("1/s"), 5))
        .isEqualTo(RateLimitPolicy.parse("1/s"));
  }

  private void open() {
    breaker.onFailure();
    breaker.onFailure();
    breaker.onFailure();
  }
}

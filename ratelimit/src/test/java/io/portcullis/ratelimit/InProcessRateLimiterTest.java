package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.ratelimit.impl.InProcessRateLimiter;
import java.time.Duration;

/** The contract against Bucket4j local buckets. */
class InProcessRateLimiterTest extends RateLimiterContract {

  @Override
  protected RateLimiter create(MutableClock clock, MeterRegistry registry) {
    return RateLimiter.inProcess(RateLimiterOptions.defaults(), clock, registry);
  }

  @Override
  protected void assertIdleStateReleased(
      String bucketKey, RateLimitPolicy policy, Duration idleFor) {
    InProcessRateLimiter l = (InProcessRateLimiter) limiter;
    assertThat(l.holdsBucket(bucketKey)).isTrue();
    clock.advance(idleFor.minusMillis(1));
    assertThat(l.holdsBucket(bucketKey)).as("not yet full, still held").isTrue();
    clock.advanceMillis(1);
    assertThat(l.holdsBucket(bucketKey)).as("full again, released").isFalse();
  }
}

package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisRateLimiterOptionsTest {

  @Test
  void defaults() {
    RedisRateLimiterOptions o = RedisRateLimiterOptions.of("redis://localhost:6379");
    assertThat(o.failureMode()).isEqualTo(FailureMode.LOCAL);
    assertThat(o.callTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(o.keyPrefix()).isEqualTo("portcullis:rl:");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> RedisRateLimiterOptions.of("http://x"))
        .hasMessageStartingWith("REDIS_URL 'http://x': unknown scheme 'http'");
    assertThatThrownBy(
            () -> RedisRateLimiterOptions.of("redis://x").withCallTimeout(Duration.ofSeconds(5)))
        .hasMessageStartingWith("callTimeout must be between");
    assertThatThrownBy(() -> RedisRateLimiterOptions.of("redis://x").withKeyPrefix("a{b}"))
        .hasMessageStartingWith("keyPrefix must not contain");
    assertThatThrownBy(() -> RedisRateLimiterOptions.parseFailureMode("maybe"))
        .hasMessage(
            "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE: expected local, open or closed, got 'maybe'");
    assertThat(RedisRateLimiterOptions.parseFailureMode(" Closed ")).isEqualTo(FailureMode.CLOSED);
  }

  @Test
  void thePasswordNeverShowsInToStringOrErrors() {
    RedisRateLimiterOptions o = RedisRateLimiterOptions.of("redis://app:s3cret@redis:6379/0");
    assertThat(o.toString()).doesNotContain("s3cret").contains("redis://app:***@redis:6379/0");
    assertThatThrownBy(() -> RedisRateLimiterOptions.of("redis://app:s3cret@bad host:6379"))
        .message()
        .doesNotContain("s3cret");
  }
}

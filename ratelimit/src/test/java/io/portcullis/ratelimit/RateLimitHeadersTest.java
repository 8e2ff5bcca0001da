package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

  @Test
  void formatsTheDraftStructuredFields() {
    RateLimitPolicy p = RateLimitPolicy.parse("100/s");
    Decision d =
        new Decision(Decision.Outcome.ALLOWED, p, 42, Duration.ofMillis(580), Duration.ZERO);
    assertThat(RateLimitHeaders.policy("default", p)).isEqualTo("\"default\";q=100;w=1");
    assertThat(RateLimitHeaders.rateLimit("default", d)).isEqualTo("\"default\";r=42;t=1");
  }

  @Test
  void minuteAndHourWindows() {
    assertThat(RateLimitHeaders.policy("route", RateLimitPolicy.parse("6000/min burst 200")))
        .isEqualTo("\"route\";q=6000;w=60");
    assertThat(RateLimitHeaders.policy("override_org", RateLimitPolicy.parse("5/h")))
        .isEqualTo("\"override_org\";q=5;w=3600");
  }

  @Test
  void retryAfterRoundsUpAndIsAtLeastOneSecond() {
    RateLimitPolicy p = RateLimitPolicy.parse("1/min");
    Decision limited =
        new Decision(
            Decision.Outcome.LIMITED, p, 0, Duration.ofMillis(59_001), Duration.ofMillis(59_001));
    assertThat(RateLimitHeaders.retryAfterSeconds(limited)).isEqualTo(60);
    assertThat(RateLimitHeaders.rateLimit("default", limited)).isEqualTo("\"default\";r=0;t=60");
    Decision soon =
        new Decision(Decision.Outcome.LIMITED, p, 0, Duration.ofMillis(10), Duration.ofMillis(10));
    assertThat(RateLimitHeaders.retryAfterSeconds(soon)).isEqualTo(1);
  }

  @Test
  void policyNamesAreEscapedStrings() {
    assertThat(RateLimitHeaders.policy("a\"b\\c", RateLimitPolicy.parse("1/s")))
        .isEqualTo("\"a\\\"b\\\\c\";q=1;w=1");
  }
}

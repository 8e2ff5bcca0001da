package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.ratelimit.Decision.Outcome;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one contract every {@link RateLimiter} backend passes (Bucket4j's TCK idea): the same
 * requests at the same injected times must give the same decisions, in-process and in Redis. Time
 * only moves through {@link #clock}; nothing sleeps.
 */
abstract class RateLimiterContract {
  protected final MutableClock clock = MutableClock.atSomeInstant();
  protected final MeterRegistry registry = new SimpleMeterRegistry();
  protected RateLimiter limiter;

  /** A per-test key namespace, so runs against a shared backend never meet. */
  protected final String ns = "c" + UUID.randomUUID().toString().substring(0, 8);

  protected abstract RateLimiter create(MutableClock clock, MeterRegistry registry);

  /**
   * Asserts the backend lets go of an idle bucket's state once it would be full again ({@code
   * idleFor} after the last request), and leaves the clock {@code idleFor} later.
   */
  protected abstract void assertIdleStateReleased(
      String bucketKey, RateLimitPolicy policy, Duration idleFor);

  @BeforeEach
  void createLimiter() {
    limiter = create(clock, registry);
  }

  @AfterEach
  void closeLimiter() {
    Await.result(limiter.close());
  }

  private Decision take(String key, RateLimitPolicy policy) {
    return Await.result(limiter.acquire(new ResolvedLimit(ns + key, policy, "default")));
  }

  private Decision take(ResolvedLimit limit) {
    return Await.result(
        limiter.acquire(
            new ResolvedLimit(ns + limit.bucketKey(), limit.policy(), limit.policyLabel())));
  }

  private int allowedInARow(String key, RateLimitPolicy policy, int max) {
    int allowed = 0;
    for (int i = 0; i < max; i++) {
      if (take(key, policy).allowed()) {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  void burstIsAllowedThenLimitedWithRetryAndReset() {
    RateLimitPolicy p = RateLimitPolicy.parse("5/s");
    for (int i = 4; i >= 0; i--) {
      Decision d = take("k", p);
      assertThat(d.outcome()).isEqualTo(Outcome.ALLOWED);
      assertThat(d.remaining()).isEqualTo(i);
      assertThat(d.retryAfter()).isZero();
    }
    Decision limited = take("k", p);
    assertThat(limited.outcome()).isEqualTo(Outcome.LIMITED);
    assertThat(limited.allowed()).isFalse();
    assertThat(limited.remaining()).isZero();
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofMillis(200));
    assertThat(limited.resetAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(limited.policy()).isEqualTo(p);
  }

  @Test
  void refillIsGreedyOneTokenAtATime() {
    RateLimitPolicy p = RateLimitPolicy.parse("10/s");
    assertThat(allowedInARow("k", p, 20)).isEqualTo(10);
    clock.advanceMillis(99);
    assertThat(take("k", p).allowed()).isFalse();
    clock.advanceMillis(1);
    Decision one = take("k", p);
    assertThat(one.allowed()).isTrue();
    assertThat(one.remaining()).isZero();
    assertThat(take("k", p).allowed()).isFalse();
    clock.advanceMillis(250); // 2.5 tokens: 2 now, the half carries over
    assertThat(allowedInARow("k", p, 5)).isEqualTo(2);
    clock.advanceMillis(50); // the carried half plus this half make one more
    assertThat(allowedInARow("k", p, 5)).isEqualTo(1);
    Decision limited = take("k", p);
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void burstAboveCountFillsSlowly() {
    RateLimitPolicy p = RateLimitPolicy.parse("60/min burst 3");
    assertThat(allowedInARow("k", p, 10)).isEqualTo(3);
    Decision limited = take("k", p);
    assertThat(limited.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(limited.resetAfter()).isEqualTo(Duration.ofSeconds(3));
    clock.advance(Duration.ofSeconds(2));
    assertThat(allowedInARow("k", p, 10)).isEqualTo(2);
  }

  @Test
  void burstBelowCountCapsTheBucket() {
    RateLimitPolicy p = RateLimitPolicy.parse("100/s burst 2");
    assertThat(allowedInARow("k", p, 10)).isEqualTo(2);
    clock.advance(Duration.ofSeconds(5));
    assertThat(allowedInARow("k", p, 10)).isEqualTo(2);
  }

  @Test
  void aLongIdleBucketIsFullButNeverMoreThanFull() {
    RateLimitPolicy p = RateLimitPolicy.parse("4/s");
    assertThat(allowedInARow("k", p, 10)).isEqualTo(4);
    clock.advance(Duration.ofHours(3));
    assertThat(allowedInARow("k", p, 10)).isEqualTo(4);
  }

  @Test
  void keysAreIndependent() {
    RateLimitPolicy p = RateLimitPolicy.parse("3/s");
    assertThat(allowedInARow("a", p, 10)).isEqualTo(3);
    assertThat(allowedInARow("b", p, 10)).isEqualTo(3);
    assertThat(take("a", p).allowed()).isFalse();
  }

  @Test
  void aNoisyTenantNeverDrawsFromAnotherTenantsBucket() {
    RateLimitPolicies policies = RateLimitPolicies.of(RateLimitPolicy.parse("3/s"));
    ResolvedLimit noisy =
        policies.resolve(RateLimitSubject.authenticated("/", "noisy", null, null, null));
    ResolvedLimit quiet =
        policies.resolve(RateLimitSubject.authenticated("/", "quiet", null, null, null));
    for (int i = 0; i < 50; i++) {
      take(noisy);
    }
    for (int i = 0; i < 3; i++) {
      assertThat(take(quiet).allowed()).isTrue();
    }
    assertThat(take(quiet).allowed()).isFalse();
  }

  @Test
  void overridesTakePrecedenceSubThenClientThenOrgThenRouteThenDefault() {
    RateLimitPolicies policies =
        RateLimitPolicies.create(
            RateLimitPolicy.parse("6/s"),
            Map.of("/reports/", RateLimitPolicy.parse("5/s")),
            RateLimitPolicies.parseOverridesJson(
                "{\"org:acme\": \"3/s\", \"client:cli\": \"2/s\", \"sub:alice\": \"1/s\"}"));
    assertThat(
            countAllowed(
                policies, RateLimitSubject.authenticated("/", "acme", "cli", "alice", "10.0.0.1")))
        .isEqualTo(1);
    assertThat(
            countAllowed(
                policies, RateLimitSubject.authenticated("/", "acme", "cli", "bob", "10.0.0.1")))
        .isEqualTo(2);
    // the org override beats the route's own policy and is shared across the tenant's routes
    assertThat(
            countAllowed(
                policies,
                RateLimitSubject.authenticated("/reports/", "acme", "other", "bob", null)))
        .isEqualTo(3);
    assertThat(
            countAllowed(policies, RateLimitSubject.authenticated("/", "acme", null, null, null)))
        .isZero();
    assertThat(
            countAllowed(
                policies, RateLimitSubject.authenticated("/reports/", "beta", null, null, null)))
        .isEqualTo(5);
    assertThat(
            countAllowed(policies, RateLimitSubject.authenticated("/", "beta", null, null, null)))
        .isEqualTo(6);

    // changed at runtime: the next resolution sees it
    policies.setOverride("org:gamma", RateLimitPolicy.parse("2/s"));
    assertThat(
            countAllowed(policies, RateLimitSubject.authenticated("/", "gamma", null, null, null)))
        .isEqualTo(2);
    assertThat(policies.removeOverride("org:gamma")).isTrue();
    clock.advance(Duration.ofSeconds(10));
    assertThat(
            countAllowed(policies, RateLimitSubject.authenticated("/", "gamma", null, null, null)))
        .isEqualTo(6);
  }

  @Test
  void publicRoutesAreLimitedPerIpWithIpOverrides() {
    RateLimitPolicies policies =
        RateLimitPolicies.create(
            RateLimitPolicy.parse("4/s"),
            Map.of("/public/", RateLimitPolicy.parse("3/s")),
            RateLimitPolicies.parseOverridesJson("{\"ip:10.0.0.7\": \"1/s burst 1\"}"));
    assertThat(countAllowed(policies, RateLimitSubject.publicRoute("/public/", "10.0.0.7")))
        .isEqualTo(1);
    assertThat(countAllowed(policies, RateLimitSubject.publicRoute("/public/", "10.0.0.8")))
        .isEqualTo(3);
    assertThat(countAllowed(policies, RateLimitSubject.publicRoute("/www/", "10.0.0.8")))
        .isEqualTo(4);
    assertThat(countAllowed(policies, RateLimitSubject.publicRoute("/www/", "10.0.0.9")))
        .isEqualTo(4);
  }

  private int countAllowed(RateLimitPolicies policies, RateLimitSubject subject) {
    ResolvedLimit limit = policies.resolve(subject);
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
      if (take(limit).allowed()) {
        allowed++;
      }
    }
    return allowed;
  }

  @Test
  void aChangedPolicyKeepsTheTokensCappedAtTheNewBurst() {
    RateLimitPolicy wide = RateLimitPolicy.parse("10/s");
    RateLimitPolicy narrow = RateLimitPolicy.parse("2/s");
    assertThat(allowedInARow("k", wide, 3)).isEqualTo(3); // 7 left
    assertThat(allowedInARow("k", narrow, 10)).isEqualTo(2); // capped at 2, not a fresh bucket
    assertThat(allowedInARow("k", wide, 10)).isZero(); // and the draw is remembered
  }

  @Test
  void idleBucketsAreReleasedOnceFull() {
    RateLimitPolicy p = RateLimitPolicy.parse("2/s");
    take("idle", p);
    take("idle", p);
    assertIdleStateReleased(ns + "idle", p, Duration.ofSeconds(1));
    assertThat(allowedInARow("idle", p, 10)).isEqualTo(2);
  }

  @Test
  void everyDecisionIsCountedByPolicyLabelAndOutcome() {
    RateLimitPolicy p = RateLimitPolicy.parse("1/s");
    take("m", p);
    take("m", p);
    take("m", p);
    assertThat(count("default", "allowed")).isEqualTo(1.0);
    assertThat(count("default", "limited")).isEqualTo(2.0);
  }

  protected double count(String policy, String decision) {
    var c =
        registry
            .find("portcullis.ratelimit.decisions")
            .tag("policy", policy)
            .tag("decision", decision)
            .counter();
    return c == null ? 0 : c.count();
  }
}

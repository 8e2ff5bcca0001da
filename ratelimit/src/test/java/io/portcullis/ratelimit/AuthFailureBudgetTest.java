package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class AuthFailureBudgetTest {

  @Test
  void parsesALimitOrOff() {
    assertThat(AuthFailureBudget.parse("20/s"))
        .get()
        .extracting(AuthFailureBudget::policy)
        .isEqualTo(RateLimitPolicy.parse("20/s"));
    assertThat(AuthFailureBudget.parse("off")).isEmpty();
    assertThat(AuthFailureBudget.parse(" OFF ")).isEmpty();
    assertThatThrownBy(() -> AuthFailureBudget.parse("twenty"))
        .hasMessageStartingWith("PORTCULLIS_AUTH_FAILURE_LIMIT: bad rate limit 'twenty'")
        .hasMessageEndingWith(", or off");
  }

  @Test
  void aSeparateInProcessLimiterEnforcesItPerIp() {
    AuthFailureBudget budget = AuthFailureBudget.parse("2/s").orElseThrow();
    MutableClock clock = MutableClock.atSomeInstant();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RateLimiter failures = RateLimiter.inProcess(RateLimiterOptions.defaults(), clock, registry);
    ResolvedLimit attacker = budget.limitFor("203.0.113.9");
    assertThat(attacker.bucketKey()).isEqualTo("authfail:ip:203.0.113.9");
    assertThat(attacker.policyLabel()).isEqualTo("auth_failure");
    assertThat(Await.result(failures.acquire(attacker)).allowed()).isTrue();
    assertThat(Await.result(failures.acquire(attacker)).allowed()).isTrue();
    assertThat(Await.result(failures.acquire(attacker)).allowed()).isFalse();
    assertThat(Await.result(failures.acquire(budget.limitFor("203.0.113.10"))).allowed()).isTrue();
    clock.advanceMillis(500);
    assertThat(Await.result(failures.acquire(attacker)).allowed()).isTrue();
    assertThat(
            registry
                .get("portcullis.ratelimit.decisions")
                .tag("policy", "auth_failure")
                .tag("decision", "limited")
                .counter()
                .count())
        .isEqualTo(1.0);
  }
}

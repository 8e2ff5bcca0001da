package io.portcullis.gateway.pipeline;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.ratelimit.AuthFailureBudget;
import io.portcullis.ratelimit.RateLimitHeaders;
import io.portcullis.ratelimit.RateLimiter;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Enforces the per-IP {@link AuthFailureBudget} ({@code PORTCULLIS_AUTH_FAILURE_LIMIT}, SPEC §4
 * step 7). Every failure of steps 3–6 takes a token from the address's bucket in a dedicated
 * in-process limiter; once the bucket refuses, the address is blocked in memory until a token is
 * back, and {@link #check} answers 429 before any signature work, so a flood of forged tokens
 * cannot burn the CPU. Thread-safe.
 */
public final class AuthFailureGate {
  private final RateLimiter limiter;
  private final AuthFailureBudget budget;
  private final Clock clock;
  private final Cache<String, Instant> blockedUntil =
      Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(Duration.ofHours(1)).build();

  /**
   * @param limiter the budget's own in-process limiter
   * @param budget the budget, or {@code null} when {@code off}
   */
  public AuthFailureGate(RateLimiter limiter, AuthFailureBudget budget, Clock clock) {
    this.limiter = budget == null ? null : limiter;
    this.budget = budget;
    this.clock = clock;
  }

  /** A 429 when {@code ip} has spent its budget, else {@code null}. */
  public GatewayFailure check(String ip) {
    if (limiter == null) {
      return null;
    }
    Instant until = blockedUntil.getIfPresent(ip);
    if (until == null) {
      return null;
    }
    Instant now = clock.instant();
    if (!now.isBefore(until)) {
      blockedUntil.asMap().remove(ip, until); // not a newer block set meanwhile
      return null;
    }
    return GatewayFailure.retryable(
        ErrorCode.RATE_LIMITED,
        "too many failed authentication attempts from this address",
        Duration.between(now, until));
  }

  /**
   * The {@code RateLimit-Policy} and {@code RateLimit} headers of a budget refusal (SPEC: on every
   * limited response), e.g. {@code "auth_failure";q=20;w=1} and {@code "auth_failure";r=0;t=1}.
   */
  public void headers(HttpServerResponse response, GatewayFailure refusal) {
    if (budget == null) {
      return;
    }
    long seconds =
        refusal.retryAfter() == null
            ? 1
            : Math.max(1, (refusal.retryAfter().toMillis() + 999) / 1000);
    response
        .putHeader(
            RateLimitHeaders.POLICY_HEADER,
            RateLimitHeaders.policy(AuthFailureBudget.LABEL, budget.policy()))
        .putHeader(
            RateLimitHeaders.RATELIMIT_HEADER,
            "\"" + AuthFailureBudget.LABEL + "\";r=0;t=" + seconds);
  }

  /** Counts one failed authentication from {@code ip}. */
  public void recordFailure(String ip) {
    if (limiter == null) {
      return;
    }
    limiter
        .acquire(budget.limitFor(ip))
        .onSuccess(
            d -> {
              if (!d.allowed()) {
                Duration wait = d.retryAfter().isZero() ? Duration.ofSeconds(1) : d.retryAfter();
                blockedUntil.put(ip, clock.instant().plus(wait));
              }
            });
  }
}

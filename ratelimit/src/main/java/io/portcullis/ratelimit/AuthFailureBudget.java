package io.portcullis.ratelimit;

import io.portcullis.ratelimit.impl.BucketKeys;
import java.util.Optional;

/**
 * The per-IP budget for requests that fail authentication ({@code PORTCULLIS_AUTH_FAILURE_LIMIT},
 * default {@code 20/s}, {@code off} disables; SPEC §4 step 7).
 *
 * <p>It is served by its own {@link RateLimiter#inProcess in-process limiter}, separate from the
 * tenant limiter: it is checked before any signature work, so it must cost no network round trip,
 * and a flood of forged tokens must not touch Redis or the tenants' buckets. Each instance enforces
 * the budget on its own (an attacker spread over N instances gets N budgets, which still caps CPU
 * per instance — the purpose of the budget). Decisions carry the label {@code auth_failure}.
 *
 * <p>Usage: {@code budget.limitFor(ip)} → {@code authLimiter.acquire(limit)}; count a failure by
 * acquiring, and refuse with 429 before validation when the bucket is empty.
 */
public final class AuthFailureBudget {
  public static final String ENV = "PORTCULLIS_AUTH_FAILURE_LIMIT";
  public static final String LABEL = "auth_failure";

  private final RateLimitPolicy policy;

  private AuthFailureBudget(RateLimitPolicy policy) {
    this.policy = policy;
  }

  /**
   * Parses {@code 20/s} (a budget) or {@code off} (none).
   *
   * @throws IllegalArgumentException naming {@code PORTCULLIS_AUTH_FAILURE_LIMIT}
   */
  public static Optional<AuthFailureBudget> parse(String text) {
    if (text != null && text.trim().equalsIgnoreCase("off")) {
      return Optional.empty();
    }
    try {
      return Optional.of(new AuthFailureBudget(RateLimitPolicy.parse(text)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(ENV + ": " + e.getMessage() + ", or off");
    }
  }

  public RateLimitPolicy policy() {
    return policy;
  }

  /** The budget's bucket for one client address ({@code authfail:ip:<canonical address>}). */
  public ResolvedLimit limitFor(String ip) {
    return new ResolvedLimit(
        BucketKeys.key("authfail", "ip", BucketKeys.canonicalIp(ip)), policy, LABEL);
  }
}

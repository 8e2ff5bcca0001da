package io.portcullis.ratelimit;

import java.time.Duration;

/**
 * One rate-limit decision, with what the gateway needs for the {@code RateLimit} and {@code
 * Retry-After} headers.
 *
 * @param outcome allowed, limited, or how a backend failure was resolved
 * @param policy the policy that decided
 * @param remaining tokens left in the bucket after this request (0 when limited)
 * @param resetAfter time until the bucket is full again
 * @param retryAfter time until one token is available (zero when allowed)
 */
public record Decision(
    Outcome outcome,
    RateLimitPolicy policy,
    long remaining,
    Duration resetAfter,
    Duration retryAfter) {

  /** How the decision was reached; the {@code decision} label of the metrics. */
  public enum Outcome {
    ALLOWED,
    LIMITED,
    /** Backend down, {@link FailureMode#LOCAL}: decided by the in-process share, allowed. */
    LOCAL_ALLOWED,
    /** Backend down, {@link FailureMode#LOCAL}: decided by the in-process share, limited. */
    LOCAL_LIMITED,
    /** Backend down, {@link FailureMode#OPEN}. */
    FAILED_OPEN,
    /** Backend down, {@link FailureMode#CLOSED}. */
    FAILED_CLOSED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public boolean allowed() {
    return outcome == Outcome.ALLOWED
        || outcome == Outcome.LOCAL_ALLOWED
        || outcome == Outcome.FAILED_OPEN;
  }
}

package io.portcullis.ratelimit;

/**
 * What a distributed limiter does while its backend is unreachable ({@code
 * PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE}).
 */
public enum FailureMode {
  /** Each instance enforces its share of the limit in-process (the default). */
  LOCAL,
  /** Allow everything; counted as {@code decision="failed_open"}. */
  OPEN,
  /** Refuse everything; the gateway answers 503 and readiness fails. */
  CLOSED
}

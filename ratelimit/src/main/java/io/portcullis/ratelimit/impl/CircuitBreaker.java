package io.portcullis.ratelimit.impl;

import java.time.Clock;
import java.time.Duration;

/**
 * Guards the Redis hot path. Closed: requests go to Redis, each bounded by the call timeout. {@code
 * threshold} consecutive failures open it: from then on no request touches Redis (zero wait) and
 * the {@link io.portcullis.ratelimit.FailureMode} decides. Once the backoff has passed on the
 * injected clock, exactly one background probe may run (half-open); success closes the breaker,
 * failure reopens it with the backoff doubled up to its maximum.
 *
 * <p>Hand-written rather than vertx-circuit-breaker: that one reads {@code
 * System.currentTimeMillis()} and Vert.x timers for its reset timeout and cannot take a {@link
 * Clock}, so tests could not move time through the open → half-open transition; and it would run
 * the half-open probe on a live request, which would then wait on a possibly dead Redis.
 *
 * <p>Thread-safe: the hot path is one volatile read; transitions are synchronized (rare).
 */
final class CircuitBreaker {
  enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final Clock clock;
  private final int threshold;
  private final long minBackoffMillis;
  private final long maxBackoffMillis;

  private volatile State state = State.CLOSED;
  private volatile long nextProbeAtMillis;
  private volatile int consecutiveFailures;
  private long backoffMillis;

  CircuitBreaker(Clock clock, int threshold, Duration minBackoff, Duration maxBackoff) {
    this.clock = clock;
    this.threshold = threshold;
    this.minBackoffMillis = minBackoff.toMillis();
    this.maxBackoffMillis = maxBackoff.toMillis();
    this.backoffMillis = minBackoffMillis;
  }

  /** Whether a request may go to Redis now. */
  boolean allowRequest() {
    return state == State.CLOSED;
  }

  State state() {
    return state;
  }

  /** A request succeeded. */
  void onSuccess() {
    if (consecutiveFailures != 0) {
      synchronized (this) {
        consecutiveFailures = 0;
      }
    }
  }

  /** A request failed or timed out; returns whether this failure opened the breaker. */
  synchronized boolean onFailure() {
    if (state != State.CLOSED) {
      return false;
    }
    if (++consecutiveFailures >= threshold) {
      state = State.OPEN;
      backoffMillis = minBackoffMillis;
      nextProbeAtMillis = clock.millis() + backoffMillis;
      return true;
    }
    return false;
  }

  /** Moves OPEN → HALF_OPEN when the backoff has passed; the caller then runs one probe. */
  synchronized boolean tryStartProbe() {
    if (state == State.OPEN && clock.millis() >= nextProbeAtMillis) {
      state = State.HALF_OPEN;
      return true;
    }
    return false;
  }

  synchronized void probeSucceeded() {
    state = State.CLOSED;
    consecutiveFailures = 0;
    backoffMillis = minBackoffMillis;
  }

  synchronized void probeFailed() {
    backoffMillis = Math.min(backoffMillis * 2, maxBackoffMillis);
    state = State.OPEN;
    nextProbeAtMillis = clock.millis() + backoffMillis;
  }

  /** Time until the next probe may run (zero when closed or due). */
  Duration untilNextProbe() {
    return state == State.CLOSED
        ? Duration.ZERO
        : Duration.ofMillis(Math.max(0, nextProbeAtMillis - clock.millis()));
  }
}

package io.portcullis.ratelimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.ratelimit.impl.InProcessRateLimiter;
import io.portcullis.ratelimit.impl.RedisRateLimiter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * Takes one token from the bucket named {@code key} under {@code policy}. Backends: in-process
 * (Bucket4j local buckets) and Redis (one round trip per decision), behind this one interface.
 *
 * <p>Every decision is counted in {@code portcullis_ratelimit_decisions_total{policy,decision}};
 * backend failures in {@code portcullis_ratelimit_backend_errors_total}.
 */
public interface RateLimiter {

  /** Label of decisions made through {@link #acquire(String, RateLimitPolicy)}. */
  String UNLABELLED = "unlabelled";

  /**
   * The in-process limiter: Bucket4j local buckets in a bounded map with idle expiry, time from
   * {@code clock}. Used when {@code REDIS_URL} is unset, and for the per-IP auth-failure budget (a
   * separate instance, see {@link AuthFailureBudget}).
   */
  static RateLimiter inProcess(RateLimiterOptions options, Clock clock, MeterRegistry registry) {
    return new InProcessRateLimiter(options, clock, registry);
  }

  /**
   * The Redis limiter: one {@code EVALSHA} per decision, a circuit breaker, and the configured
   * {@link FailureMode} while Redis is unusable. Returns at once; the connection is made lazily and
   * a Redis that is down at startup is handled like one that fails later.
   */
  static RateLimiter redis(
      Vertx vertx, RedisRateLimiterOptions options, Clock clock, MeterRegistry registry) {
    return RedisRateLimiter.start(vertx, options, clock, registry);
  }

  /**
   * Decides one request. The future never fails: a backend failure is resolved by the configured
   * {@link FailureMode} into a decision, and never waits on a dead backend longer than its bound.
   */
  Future<Decision> acquire(ResolvedLimit limit);

  /** {@link #acquire(ResolvedLimit)} with the policy label {@value #UNLABELLED}. */
  default Future<Decision> acquire(String key, RateLimitPolicy policy) {
    return acquire(new ResolvedLimit(key, policy, UNLABELLED));
  }

  /** Whether the backend is usable now (always true in-process; false while a breaker is open). */
  boolean backendHealthy();

  /**
   * Whether this limiter lets the instance report ready: false only under {@link
   * FailureMode#CLOSED} while the backend is unhealthy (SPEC §5: readiness reflects Redis only
   * under {@code closed}).
   */
  default boolean ready() {
    return true;
  }

  /**
   * Completes (never fails) once the backend is connected or found unreachable; the in-process
   * limiter is always warm. The gateway may await it (bounded) before reporting ready.
   */
  default Future<Void> warmUp() {
    return Future.succeededFuture();
  }

  /**
   * Prepares the calling event loop, before it takes traffic; completes (never fails) when done or
   * found impossible. The Redis limiter opens this loop's own connection here, so that no decision
   * waits for a connect. Call it from every event loop that will call {@link #acquire}.
   */
  default Future<Void> warmUpHere() {
    return Future.succeededFuture();
  }

  Future<Void> close();
}

package io.portcullis.ratelimit.impl;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.ratelimit.Decision;
import io.portcullis.ratelimit.RateLimiter;
import io.portcullis.ratelimit.RateLimiterOptions;
import io.portcullis.ratelimit.ResolvedLimit;
import io.vertx.core.Future;
import java.time.Clock;

/**
 * The in-process limiter: Bucket4j local buckets ({@link LocalBuckets}). Decides synchronously on
 * the caller's thread; the returned future is already complete.
 */
public final class InProcessRateLimiter implements RateLimiter {
  private final LocalBuckets buckets;
  private final DecisionMetrics metrics;

  public InProcessRateLimiter(RateLimiterOptions options, Clock clock, MeterRegistry registry) {
    this.buckets = new LocalBuckets(options.maxBuckets(), clock);
    this.metrics = new DecisionMetrics(registry);
  }

  @Override
  public Future<Decision> acquire(ResolvedLimit limit) {
    Decision d =
        buckets
            .tryConsume(limit.bucketKey(), limit.policy())
            .toDecision(limit.policy(), Decision.Outcome.ALLOWED, Decision.Outcome.LIMITED);
    metrics.record(limit.policyLabel(), d);
    return Future.succeededFuture(d);
  }

  /** Whether a bucket is held for {@code bucketKey} (idle buckets expire). */
  public boolean holdsBucket(String bucketKey) {
    return buckets.holds(bucketKey);
  }

  @Override
  public boolean backendHealthy() {
    return true;
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}

package io.portcullis.ratelimit;

/**
 * Options of the in-process limiter.
 *
 * <p>Idle buckets expire once they would be full again (a full bucket and a missing one decide
 * alike), so memory follows active keys, not every key ever seen.
 *
 * @param maxBuckets bound of the bucket map; past it the least recently used bucket is dropped (it
 *     restarts full). Large enough for every active tenant and client IP.
 */
public record RateLimiterOptions(long maxBuckets) {
  public static final long DEFAULT_MAX_BUCKETS = 100_000;

  public RateLimiterOptions {
    if (maxBuckets < 1) {
      throw new IllegalArgumentException("maxBuckets must be at least 1, got " + maxBuckets);
    }
  }

  public static RateLimiterOptions defaults() {
    return new RateLimiterOptions(DEFAULT_MAX_BUCKETS);
  }
}

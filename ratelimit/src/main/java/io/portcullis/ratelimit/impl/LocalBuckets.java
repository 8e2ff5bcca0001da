package io.portcullis.ratelimit.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.local.LocalBucket;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Bucket4j local buckets in a bounded Caffeine map. Thread-safe and non-blocking (Bucket4j's
 * lock-free local buckets), so it may be called from any event loop.
 *
 * <p>Greedy refill: tokens come back one at a time, evenly over the period (not all at once at the
 * end of it) — the same semantics as the Redis Lua script.
 *
 * <p>Idle expiry: an entry expires once its bucket would be full again (time to refill {@code
 * burst} tokens after the last access). A full bucket and a fresh one decide alike, so expiry never
 * changes a decision; it only bounds memory. Time for both Bucket4j and Caffeine comes from the
 * injected clock.
 */
final class LocalBuckets {
  private final Cache<String, Entry> buckets;
  private final ClockTimeMeter timeMeter;

  LocalBuckets(long maxBuckets, Clock clock) {
    this.timeMeter = new ClockTimeMeter(clock);
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(maxBuckets)
            .expireAfter(new IdleUntilFull())
            .ticker(timeMeter::currentTimeNanos)
            // maintenance on the calling thread: no ForkJoinPool tasks, deterministic in tests
            .executor(Runnable::run)
            .build();
  }

  BucketState tryConsume(String key, RateLimitPolicy policy) {
    Entry entry = buckets.get(key, k -> new Entry(policy, newBucket(policy)));
    if (!entry.policy.equals(policy)) {
      entry.reconfigure(policy);
    }
    ConsumptionProbe probe = entry.bucket.tryConsumeAndReturnRemaining(1);
    return new BucketState(
        probe.isConsumed(),
        probe.getRemainingTokens(),
        ceilMillis(probe.getNanosToWaitForReset()),
        probe.isConsumed() ? 0 : ceilMillis(probe.getNanosToWaitForRefill()));
  }

  /** Whether a bucket for {@code key} is held (expired ones are not); does not count as a use. */
  boolean holds(String key) {
    return buckets.policy().getIfPresentQuietly(key) != null;
  }

  long size() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private LocalBucket newBucket(RateLimitPolicy policy) {
    return Bucket.builder()
        .addLimit(config(policy).getBandwidths()[0])
        .withCustomTimePrecision(timeMeter)
        .build();
  }

  private static BucketConfiguration config(RateLimitPolicy policy) {
    return BucketConfiguration.builder()
        .addLimit(
            limit ->
                limit
                    .capacity(policy.burst())
                    .refillGreedy(policy.count(), policy.period())
                    .initialTokens(policy.burst()))
        .build();
  }

  /** Nanoseconds to refill {@code burst} tokens from empty, at least one millisecond. */
  static long nanosToFull(RateLimitPolicy policy) {
    double nanos = (double) policy.burst() * policy.period().toNanos() / policy.count();
    return (long) Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(nanos, Long.MAX_VALUE / 4));
  }

  private static long ceilMillis(long nanos) {
    return nanos <= 0 ? 0 : (nanos + 999_999) / 1_000_000;
  }

  private static final class Entry {
    volatile RateLimitPolicy policy;
    final LocalBucket bucket;

    Entry(RateLimitPolicy policy, LocalBucket bucket) {
      this.policy = policy;
      this.bucket = bucket;
    }

    /**
     * An override changed this bucket's policy: keep the tokens it holds, capped at the new burst
     * (the Lua script does the same), rather than handing out a fresh full bucket.
     */
    synchronized void reconfigure(RateLimitPolicy next) {
      if (!policy.equals(next)) {
        bucket.replaceConfiguration(config(next), TokensInheritanceStrategy.AS_IS);
        policy = next;
      }
    }
  }

  private static final class IdleUntilFull implements Expiry<String, Entry> {
    @Override
    public long expireAfterCreate(String key, Entry value, long currentTime) {
      return nanosToFull(value.policy);
    }

    @Override
    public long expireAfterUpdate(String key, Entry value, long currentTime, long currentDuration) {
      return nanosToFull(value.policy);
    }

    @Override
    public long expireAfterRead(String key, Entry value, long currentTime, long currentDuration) {
      return nanosToFull(value.policy);
    }
  }
}

package io.portcullis.ratelimit;

import io.portcullis.ratelimit.impl.RedisUrls;
import java.time.Duration;
import java.util.Objects;

/**
 * Options of the Redis limiter. Construction rejects bad values with a message naming the option.
 *
 * <p>URL forms ({@code REDIS_URL}), see {@link RedisUrls}:
 *
 * <ul>
 *   <li>{@code redis://[user:password@]host:port[/db]}, {@code rediss://...} (TLS) — standalone;
 *   <li>{@code redis-sentinel://[user:password@]h1:26379,h2:26379/mymaster[/db]} (or {@code
 *       rediss-sentinel://}) — Sentinel: the sentinels, then the master name;
 *   <li>{@code redis-cluster://[user:password@]h1:7000,h2:7001} (or {@code rediss-cluster://}) —
 *       Cluster: any subset of the nodes as seeds.
 * </ul>
 *
 * @param url the Redis URL; its password is never logged
 * @param keyPrefix prefix of every key this limiter writes, e.g. {@code portcullis:rl:}
 * @param failureMode what to decide while Redis is unusable
 * @param callTimeout the longest an acquire waits on Redis before the breaker opens (≤ 1 s; default
 *     50 ms)
 * @param failureThreshold consecutive failed calls that open the breaker
 * @param probeBackoffMin first delay before a half-open probe after the breaker opens
 * @param probeBackoffMax the delay between probes doubles up to this
 * @param heartbeatInterval how often the instance announces itself (live-instance count for the
 *     {@link FailureMode#LOCAL} share); an instance silent for 3 intervals is no longer counted
 * @param maxLocalBuckets bound of the in-process fallback buckets
 * @param maxPoolSize Redis connections per limiter
 */
public record RedisRateLimiterOptions(
    String url,
    String keyPrefix,
    FailureMode failureMode,
    Duration callTimeout,
    int failureThreshold,
    Duration probeBackoffMin,
    Duration probeBackoffMax,
    Duration heartbeatInterval,
    long maxLocalBuckets,
    int maxPoolSize) {

  public static final String DEFAULT_KEY_PREFIX = "portcullis:rl:";
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMillis(50);
  public static final int DEFAULT_FAILURE_THRESHOLD = 3;
  public static final Duration DEFAULT_PROBE_BACKOFF_MIN = Duration.ofMillis(100);
  public static final Duration DEFAULT_PROBE_BACKOFF_MAX = Duration.ofSeconds(5);
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
  public static final int DEFAULT_MAX_POOL_SIZE = 8;

  public RedisRateLimiterOptions {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("REDIS_URL is empty");
    }
    RedisUrls.toOptions(url); // rejects a malformed URL, naming REDIS_URL
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (keyPrefix.contains("{") || keyPrefix.contains("}")) {
      throw new IllegalArgumentException(
          "keyPrefix must not contain '{' or '}' (reserved for the Cluster hash tag): "
              + keyPrefix);
    }
    Objects.requireNonNull(failureMode, "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE");
    requireBetween("callTimeout", callTimeout, Duration.ofMillis(1), Duration.ofSeconds(1));
    if (failureThreshold < 1) {
      throw new IllegalArgumentException(
          "failureThreshold must be at least 1, got " + failureThreshold);
    }
    requireBetween("probeBackoffMin", probeBackoffMin, Duration.ofMillis(1), Duration.ofMinutes(1));
    requireBetween("probeBackoffMax", probeBackoffMax, probeBackoffMin, Duration.ofMinutes(5));
    requireBetween(
        "heartbeatInterval", heartbeatInterval, Duration.ofMillis(10), Duration.ofHours(1));
    if (maxLocalBuckets < 1) {
      throw new IllegalArgumentException(
          "maxLocalBuckets must be at least 1, got " + maxLocalBuckets);
    }
    if (maxPoolSize < 1) {
      throw new IllegalArgumentException("maxPoolSize must be at least 1, got " + maxPoolSize);
    }
  }

  /** Defaults for everything but the URL. */
  public static RedisRateLimiterOptions of(String url) {
    return new RedisRateLimiterOptions(
        url,
        DEFAULT_KEY_PREFIX,
        FailureMode.LOCAL,
        DEFAULT_CALL_TIMEOUT,
        DEFAULT_FAILURE_THRESHOLD,
        DEFAULT_PROBE_BACKOFF_MIN,
        DEFAULT_PROBE_BACKOFF_MAX,
        DEFAULT_HEARTBEAT_INTERVAL,
        RateLimiterOptions.DEFAULT_MAX_BUCKETS,
        DEFAULT_MAX_POOL_SIZE);
  }

  /**
   * Parses {@code PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE}: {@code local}, {@code open}, {@code
   * closed}.
   */
  public static FailureMode parseFailureMode(String text) {
    if (text != null) {
      switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "local":
          return FailureMode.LOCAL;
        case "open":
          return FailureMode.OPEN;
        case "closed":
          return FailureMode.CLOSED;
        default:
          break;
      }
    }
    throw new IllegalArgumentException(
        "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE: expected local, open or closed, got '"
            + text
            + "'");
  }

  public RedisRateLimiterOptions withKeyPrefix(String prefix) {
    return new RedisRateLimiterOptions(
        url,
        prefix,
        failureMode,
        callTimeout,
        failureThreshold,
        probeBackoffMin,
        probeBackoffMax,
        heartbeatInterval,
        maxLocalBuckets,
        maxPoolSize);
  }

  public RedisRateLimiterOptions withFailureMode(FailureMode mode) {
    return new RedisRateLimiterOptions(
        url,
        keyPrefix,
        mode,
        callTimeout,
        failureThreshold,
        probeBackoffMin,
        probeBackoffMax,
        heartbeatInterval,
        maxLocalBuckets,
        maxPoolSize);
  }

  public RedisRateLimiterOptions withCallTimeout(Duration timeout) {
    return new RedisRateLimiterOptions(
        url,
        keyPrefix,
        failureMode,
        timeout,
        failureThreshold,
        probeBackoffMin,
        probeBackoffMax,
        heartbeatInterval,
        maxLocalBuckets,
        maxPoolSize);
  }

  public RedisRateLimiterOptions withProbeBackoff(Duration min, Duration max) {
    return new RedisRateLimiterOptions(
        url,
        keyPrefix,
        failureMode,
        callTimeout,
        failureThreshold,
        min,
        max,
        heartbeatInterval,
        maxLocalBuckets,
        maxPoolSize);
  }

  public RedisRateLimiterOptions withHeartbeatInterval(Duration interval) {
    return new RedisRateLimiterOptions(
        url,
        keyPrefix,
        failureMode,
        callTimeout,
        failureThreshold,
        probeBackoffMin,
        probeBackoffMax,
        interval,
        maxLocalBuckets,
        maxPoolSize);
  }

  /** The URL with any password replaced by {@code ***}, for logs. */
  public String redactedUrl() {
    return RedisUrls.redact(url);
  }

  @Override
  public String toString() {
    return "RedisRateLimiterOptions[url="
        + redactedUrl()
        + ", keyPrefix="
        + keyPrefix
        + ", failureMode="
        + failureMode
        + ", callTimeout="
        + callTimeout
        + "]";
  }

  private static void requireBetween(String name, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}

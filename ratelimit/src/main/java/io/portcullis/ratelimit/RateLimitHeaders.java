package io.portcullis.ratelimit;

import java.time.Duration;

/**
 * Formats the IETF httpapi rate-limit fields (draft-ietf-httpapi-ratelimit-headers-09/-10) and
 * {@code Retry-After} from a {@link Decision}: plain strings, no HTTP server types.
 *
 * <p>Both fields are Structured Field Lists (RFC 9651) of one item whose value names the quota
 * policy — here the policy label ({@code "default"}, {@code "override_org"}...), never a tenant
 * value:
 *
 * <ul>
 *   <li>{@code RateLimit-Policy: "default";q=100;w=1} — {@code q} the quota (the policy's count),
 *       {@code w} the window in seconds (its period).
 *   <li>{@code RateLimit: "default";r=42;t=1} — {@code r} the remaining quota units, {@code t}
 *       seconds until the quota is fully restored (the bucket is full again), rounded up.
 * </ul>
 *
 * The partition key parameter {@code pk} is not sent: it would disclose the bucket (tenant or
 * address) to whoever reads the response.
 */
public final class RateLimitHeaders {
  public static final String POLICY_HEADER = "RateLimit-Policy";
  public static final String RATELIMIT_HEADER = "RateLimit";
  public static final String RETRY_AFTER_HEADER = "Retry-After";

  private RateLimitHeaders() {}

  /** {@code "<name>";q=<count>;w=<period seconds>}. */
  public static String policy(String name, RateLimitPolicy policy) {
    return sfString(name) + ";q=" + policy.count() + ";w=" + policy.period().toSeconds();
  }

  /** {@code "<name>";r=<remaining>;t=<seconds until full>}. */
  public static String rateLimit(String name, Decision decision) {
    return sfString(name)
        + ";r="
        + Math.max(0, decision.remaining())
        + ";t="
        + ceilSeconds(decision.resetAfter());
  }

  /**
   * {@code Retry-After} delay-seconds (RFC 9110 §10.2.3): time until one token is available,
   * rounded up, and at least 1 so a client never retries in a tight loop.
   */
  public static long retryAfterSeconds(Decision decision) {
    return Math.max(1, ceilSeconds(decision.retryAfter()));
  }

  private static long ceilSeconds(Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      return 0;
    }
    long seconds = d.getSeconds();
    return d.getNano() > 0 ? seconds + 1 : seconds;
  }

  /** An sf-string (RFC 9651 §3.3.3): quoted, backslash escapes for {@code "} and {@code \}. */
  private static String sfString(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException("policy name must be printable ASCII: " + s);
      }
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }
}

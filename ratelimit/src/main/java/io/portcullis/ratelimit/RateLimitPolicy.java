package io.portcullis.ratelimit;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token-bucket policy: {@code count} tokens refilled evenly over {@code period}, holding at most
 * {@code burst}. One syntax everywhere (env, YAML, {@code RL_OVERRIDES_JSON}, admin API): {@code
 * <count>/<s|min|h> [burst <n>]}, burst defaulting to the count.
 *
 * @param count tokens added per period, at least 1
 * @param period refill period: one second, minute or hour
 * @param burst bucket capacity, at least 1
 */
public record RateLimitPolicy(long count, Duration period, long burst) {

  private static final Pattern SYNTAX =
      Pattern.compile(
          "\\s*(\\d{1,12})\\s*/\\s*(s|sec|second|min|minute|h|hour)(?:\\s+burst\\s+(\\d{1,12}))?\\s*");

  public RateLimitPolicy {
    if (count < 1) {
      throw new IllegalArgumentException("rate-limit count must be at least 1, got " + count);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("rate-limit burst must be at least 1, got " + burst);
    }
    if (period == null || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("rate-limit period must be positive");
    }
  }

  /**
   * Parses {@code 100/s}, {@code 6000/min burst 200}, {@code 5/h}.
   *
   * @throws IllegalArgumentException naming the bad value and the expected syntax
   */
  public static RateLimitPolicy parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException(
          "rate limit is missing; expected <count>/<s|min|h> [burst <n>]");
    }
    Matcher m = SYNTAX.matcher(text.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "bad rate limit '"
              + text
              + "'; expected <count>/<s|min|h> [burst <n>], e.g. 100/s or 6000/min burst 200");
    }
    long count = Long.parseLong(m.group(1));
    Duration period =
        switch (m.group(2)) {
          case "s", "sec", "second" -> Duration.ofSeconds(1);
          case "min", "minute" -> Duration.ofMinutes(1);
          default -> Duration.ofHours(1);
        };
    long burst = m.group(3) == null ? count : Long.parseLong(m.group(3));
    return new RateLimitPolicy(count, period, burst);
  }

  /** The canonical text, parseable by {@link #parse}: {@code 6000/min burst 200}. */
  @Override
  public String toString() {
    String unit =
        period.equals(Duration.ofSeconds(1))
            ? "s"
            : period.equals(Duration.ofMinutes(1)) ? "min" : "h";
    return count + "/" + unit + (burst == count ? "" : " burst " + burst);
  }
}

package io.portcullis.gateway.admin;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed admin authentications per source address per clock minute (SPEC §5): past {@code
 * limit} failures in a minute, the address is refused with 429 for the rest of that minute, even
 * with a right secret, so guessing secrets gains nothing.
 */
final class AuthFailureLimiter {
  private static final int MAX_TRACKED = 100_000;

  private final Clock clock;
  private final int limit;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** One source's minute: its failures, and whether its 429 refusal was audited yet. */
  private record Window(long minute, int failures, boolean refusalAudited) {
    Window(long minute, int failures) {
      this(minute, failures, false);
    }
  }

  AuthFailureLimiter(Clock clock, int limit) {
    this.clock = clock;
    this.limit = limit;
  }

  private long minute() {
    return Math.floorDiv(clock.millis(), 60_000L);
  }

  /** Whether {@code source} is blocked for the rest of this minute. */
  boolean blocked(String source) {
    Window w = windows.get(source);
    return w != null && w.minute() == minute() && w.failures() >= limit;
  }

  /** Seconds until the current minute ends (the {@code Retry-After}). */
  long secondsLeft() {
    long ms = 60_000L - Math.floorMod(clock.millis(), 60_000L);
    return Math.max(1, (ms + 999) / 1000);
  }

  /**
   * Whether this refusal of a blocked {@code source} is the first of its window, and marks it: the
   * admin API audits one {@code rate_limited} event per source per window, not one per request
   * (under a flood that would be one fsync per refused request).
   */
  boolean firstRefusal(String source) {
    long now = minute();
    boolean[] first = {false};
    windows.computeIfPresent(
        source,
        (k, w) -> {
          if (w.minute() == now && !w.refusalAudited()) {
            first[0] = true;
            return new Window(w.minute(), w.failures(), true);
          }
          return w;
        });
    return first[0];
  }

  void recordFailure(String source) {
    long now = minute();
    if (windows.size() > MAX_TRACKED) {
      windows.values().removeIf(w -> w.minute() != now); // bounded memory under a spray
    }
    windows.merge(
        source,
        new Window(now, 1),
        (old, one) ->
            old.minute() == now
                ? new Window(now, old.failures() + 1, old.refusalAudited())
                : new Window(now, 1));
  }
}

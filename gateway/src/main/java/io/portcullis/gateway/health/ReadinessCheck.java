package io.portcullis.gateway.health;

/**
 * One part of {@code /readyz}. Checks answer from state kept up to date in the background; they
 * never do I/O when probed, so a probe cannot hang on a dead dependency.
 */
public interface ReadinessCheck {

  /** The key under {@code "checks"} in the {@code /readyz} body, e.g. {@code keys}. */
  String name();

  /** The current status of this check. */
  Status status();

  /**
   * @param ready whether this check passes
   * @param detail a short operator-facing sentence, e.g. {@code "current kid k2 not in keyset"}
   */
  record Status(boolean ready, String detail) {
    public static Status up(String detail) {
      return new Status(true, detail);
    }

    public static Status down(String detail) {
      return new Status(false, detail);
    }
  }
}

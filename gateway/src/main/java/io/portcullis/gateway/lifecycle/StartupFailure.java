package io.portcullis.gateway.lifecycle;

/**
 * Startup could not complete: names the part that failed ({@code keys}, {@code redis}, {@code
 * revocations}, {@code proxy listener}, {@code tls}, ...) and why, for the one line {@code Main}
 * prints before exiting 1.
 */
public final class StartupFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String component;

  public StartupFailure(String component, String reason, Throwable cause) {
    super(component + ": " + reason, cause, false, false);
    this.component = component;
  }

  public StartupFailure(String component, String reason) {
    this(component, reason, null);
  }

  /** The part that failed, e.g. {@code redis}. */
  public String component() {
    return component;
  }

  /** One line: a cause's message without its class name, or the class name when it has none. */
  public static String reason(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
  }
}

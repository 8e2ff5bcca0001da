package io.portcullis.gateway.http;

import java.time.Duration;
import java.util.Objects;

/**
 * The one failure family of the gateway: an {@link ErrorCode} (status and stable code) and a
 * message safe to show the client. Expected failures are stackless, so they cost no more than a
 * value; constant ones are preallocated by their callers. Raise with {@code ctx.fail(failure)};
 * {@link FailureResponder} turns it into the JSON body and {@code WWW-Authenticate}.
 */
public final class GatewayFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final Duration retryAfter;

  private GatewayFailure(ErrorCode code, String message, Duration retryAfter) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.code = Objects.requireNonNull(code, "code");
    this.retryAfter = retryAfter;
  }

  public static GatewayFailure of(ErrorCode code, String message) {
    return new GatewayFailure(code, message, null);
  }

  /** A 429 or 503 that tells the client when to come back. */
  public static GatewayFailure retryable(ErrorCode code, String message, Duration retryAfter) {
    return new GatewayFailure(code, message, Objects.requireNonNull(retryAfter, "retryAfter"));
  }

  public ErrorCode code() {
    return code;
  }

  public int status() {
    return code.status();
  }

  /** When to retry, or {@code null}. */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public String toString() {
    return "GatewayFailure[" + code.code() + ": " + getMessage() + "]";
  }
}

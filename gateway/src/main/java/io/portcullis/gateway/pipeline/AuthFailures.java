package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.keyset.Validation;
import io.portcullis.keyset.ValidationResult;
import java.time.Duration;

/** The one mapping from {@link ValidationResult} to SPEC §4 error codes. */
public final class AuthFailures {
  /** How long a client should wait when no key is usable (key sources are retried meanwhile). */
  static final Duration NO_KEYS_RETRY = Duration.ofSeconds(5);

  private AuthFailures() {}

  /** The SPEC error code for a rejected validation. */
  public static ErrorCode code(ValidationResult result) {
    return switch (result) {
      case EXPIRED -> ErrorCode.TOKEN_EXPIRED;
      case UNKNOWN_KID -> ErrorCode.UNKNOWN_KEY;
      // No usable key is our infrastructure failing, never the client's fault: 503, not 401.
      case NO_KEYS -> ErrorCode.AUTH_UNAVAILABLE;
      // A premature token (nbf/iat in the future) is not expired: it is simply not valid.
      case MALFORMED,
          NOT_JWS,
          ALG_NOT_ALLOWED,
          KEY_ALG_MISMATCH,
          BAD_SIGNATURE,
          UNSUPPORTED_CRIT,
          WRONG_TYPE,
          MISSING_CLAIM,
          NOT_YET_VALID,
          ISSUED_IN_FUTURE,
          WRONG_ISSUER,
          WRONG_AUDIENCE ->
          ErrorCode.INVALID_TOKEN;
      case OK -> throw new IllegalArgumentException("OK is not a failure");
    };
  }

  /** The failure to raise for {@code rejected}; its detail is safe to show (no token content). */
  static GatewayFailure failure(Validation.Rejected rejected) {
    ErrorCode code = code(rejected.result());
    if (code == ErrorCode.AUTH_UNAVAILABLE) {
      return GatewayFailure.retryable(
          code, "token validation is unavailable: no usable signing keys", NO_KEYS_RETRY);
    }
    return GatewayFailure.of(code, rejected.detail());
  }
}

package io.portcullis.gateway.http;

import java.util.Locale;

/**
 * Every error code of SPEC §4 "Errors" (and the admin API's own), with its HTTP status. The {@code
 * code} label of {@code portcullis_requests_total} takes these values.
 */
public enum ErrorCode {
  INVALID_REQUEST(400),
  MISSING_TOKEN(401),
  INVALID_TOKEN(401),
  TOKEN_EXPIRED(401),
  TOKEN_REVOKED(401),
  UNKNOWN_KEY(401),
  KEY_REVOKED(401),
  /** Admin API: missing or wrong admin secret. */
  UNAUTHORIZED(401),
  ORG_CONTEXT_MISSING(403),
  ORG_MISMATCH(403),
  ORG_SUSPENDED(403),
  INSUFFICIENT_SCOPE(403),
  NO_ROUTE(404),
  /** Admin API: the named resource does not exist. */
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  RATE_LIMITED(429),
  HEADER_TOO_LARGE(431),
  INTERNAL_ERROR(500),
  UPSTREAM_UNAVAILABLE(502),
  AUTH_UNAVAILABLE(503),
  /** An operator switched the route off (admin API {@code /routes/disable}). */
  ROUTE_DISABLED(503),
  /** The rate-limit backend is down under {@code closed}, or the store cannot write. */
  SERVICE_UNAVAILABLE(503),
  UPSTREAM_TIMEOUT(504);

  private final int status;
  private final String code;

  ErrorCode(int status) {
    this.status = status;
    this.code = name().toLowerCase(Locale.ROOT);
  }

  public int status() {
    return status;
  }

  /** The wire form, e.g. {@code token_expired}. */
  public String code() {
    return code;
  }
}

package io.portcullis.gateway.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Renders a {@link GatewayFailure} per SPEC §4 "Errors": JSON body {@code {"error", "message",
 * "request_id"}}, and for 401/400/403-scope a {@code WWW-Authenticate} challenge per RFC 6750 §3.
 */
public final class FailureResponder {
  private static final String REALM = "Bearer realm=\"portcullis\"";

  private FailureResponder() {}

  /** Writes {@code failure} to {@code response} and ends it. */
  public static void respond(
      HttpServerResponse response, GatewayFailure failure, String requestId) {
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      // The upstream already started answering: nothing honest can be said any more.
      response.reset();
      return;
    }
    ErrorCode code = failure.code();
    response.setStatusCode(code.status()).putHeader("Content-Type", "application/json");
    String challenge = challenge(code);
    if (challenge != null) {
      response.putHeader("WWW-Authenticate", challenge);
    }
    if (failure.retryAfter() != null) {
      long seconds = Math.max(1, (failure.retryAfter().toMillis() + 999) / 1000);
      response.putHeader("Retry-After", Long.toString(seconds));
    }
    response.end(body(failure, requestId).toBuffer());
  }

  /** The SPEC §4 error body, also used where a failure becomes a proxied response. */
  public static JsonObject body(GatewayFailure failure, String requestId) {
    return new JsonObject()
        .put("error", failure.code().code())
        .put("message", failure.getMessage())
        .put("request_id", requestId);
  }

  /** RFC 6750 §3.1: no error attribute when the request carried no token at all. */
  static String challenge(ErrorCode code) {
    return switch (code) {
      case MISSING_TOKEN, UNAUTHORIZED -> REALM;
      case INVALID_REQUEST -> REALM + ", error=\"invalid_request\"";
      case INSUFFICIENT_SCOPE -> REALM + ", error=\"insufficient_scope\"";
      default -> code.status() == 401 ? REALM + ", error=\"invalid_token\"" : null;
    };
  }
}

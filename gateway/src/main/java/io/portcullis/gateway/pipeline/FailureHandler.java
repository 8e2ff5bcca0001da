package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.FailureResponder;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Ids;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of the proxy listener: renders every {@link GatewayFailure} through
 * {@link FailureResponder}; anything else is our bug, logged once and answered 500. Failures of
 * steps 3–6 count against the client's auth-failure budget.
 */
final class FailureHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);
  private static final GatewayFailure INTERNAL =
      GatewayFailure.of(ErrorCode.INTERNAL_ERROR, "internal error");

  private final AuthFailureGate budget;

  FailureHandler(AuthFailureGate budget) {
    this.budget = budget;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    GatewayFailure failure;
    if (ctx.failure() instanceof GatewayFailure gf) {
      failure = gf;
    } else if (ctx.failure() == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      // vertx-web refused the request line itself (e.g. an unparseable path): client input.
      failure = GatewayFailure.of(ErrorCode.INVALID_REQUEST, "malformed request");
    } else {
      failure = INTERNAL;
      LOG.error(
          "unexpected failure, request_id={}",
          ex == null ? null : ex.requestId,
          ctx.failure() == null
              ? new IllegalStateException("status " + ctx.statusCode())
              : ctx.failure());
    }
    if (ex != null) {
      ex.code = failure.code().code();
      if (countsAgainstBudget(failure.code())) {
        budget.recordFailure(ex.clientIp);
      }
    }
    // Drop whatever body the client is still sending; the answer does not depend on it.
    ctx.request().resume();
    String requestId = ex == null ? Ids.newRequestId() : ex.requestId; // refused before step 1
    if (ex == null && !ctx.response().headWritten()) {
      ctx.response().putHeader("X-Request-Id", requestId);
    }
    FailureResponder.respond(ctx.response(), failure, requestId);
  }

  /** Failures of steps 3–6: a client presenting bad credentials, not an infrastructure problem. */
  static boolean countsAgainstBudget(ErrorCode code) {
    return switch (code) {
      case MISSING_TOKEN,
          INVALID_REQUEST,
          INVALID_TOKEN,
          TOKEN_EXPIRED,
          TOKEN_REVOKED,
          UNKNOWN_KEY,
          KEY_REVOKED,
          ORG_CONTEXT_MISSING,
          ORG_MISMATCH,
          ORG_SUSPENDED ->
          true;
      default -> false;
    };
  }
}

package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Ids;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.keyset.ValidationResult;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * Step 5: the in-memory revocation verdict on every request, cached tokens included. The check is
 * supplied by the state module ({@link RevocationCheck#NONE} until it is wired).
 */
final class RevocationHandler implements Handler<RoutingContext> {
  private static final GatewayFailure TOKEN_REVOKED =
      GatewayFailure.of(ErrorCode.TOKEN_REVOKED, "the token has been revoked");
  private static final GatewayFailure KEY_REVOKED =
      GatewayFailure.of(ErrorCode.KEY_REVOKED, "the token's signing key has been revoked");
  private static final GatewayFailure ORG_SUSPENDED =
      GatewayFailure.of(ErrorCode.ORG_SUSPENDED, "the tenant is suspended");
  // Before the first full load of the revocation state: an infrastructure condition, never a 401.
  private static final GatewayFailure STATE_NOT_LOADED =
      GatewayFailure.retryable(
          ErrorCode.AUTH_UNAVAILABLE,
          "revocation state not loaded yet; try again shortly",
          Duration.ofSeconds(1));

  private final RevocationCheck check;
  private final String orgClaim;
  private final GatewayMetrics metrics;

  RevocationHandler(RevocationCheck check, String orgClaim, GatewayMetrics metrics) {
    this.check = check;
    this.orgClaim = orgClaim;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    if (ex.verified == null) {
      ctx.next();
      return;
    }
    String org = ex.verified.stringClaim(orgClaim).orElse(null);
    ErrorCode verdict = check.check(ex.verified, org);
    if (verdict == null) {
      metrics.authResult(ValidationResult.OK.label());
      ctx.next();
      return;
    }
    if (org != null && Ids.wellFormed(org)) {
      ex.org = org; // for the access log only (a verified token): which tenant keeps calling
    }
    // The final auth result: the access log's "auth" field and the metric agree.
    ex.authResult = verdict.code();
    metrics.authResult(verdict.code());
    ctx.fail(
        switch (verdict) {
          case TOKEN_REVOKED -> TOKEN_REVOKED;
          case KEY_REVOKED -> KEY_REVOKED;
          case ORG_SUSPENDED -> ORG_SUSPENDED;
          case AUTH_UNAVAILABLE -> STATE_NOT_LOADED;
          default -> GatewayFailure.of(verdict, "the token was refused");
        });
  }
}

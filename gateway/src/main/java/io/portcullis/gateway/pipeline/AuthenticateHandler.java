package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.Ids;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.keyset.TokenValidator;
import io.portcullis.keyset.Validation;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Step 4: {@link TokenValidator#validate} gives a verified token or a mapped failure. A token
 * refused for its claims although its signature verified (expired, wrong audience, ...) names its
 * tenant in the access log: that org is the issuer's word, and it is what tells one tenant's
 * misconfigured clients from a spread of forged tokens. A forged or malformed token never sets it.
 */
final class AuthenticateHandler implements Handler<RoutingContext> {
  private final TokenValidator validator;
  private final GatewayMetrics metrics;
  private final String orgClaim;

  AuthenticateHandler(TokenValidator validator, GatewayMetrics metrics, String orgClaim) {
    this.validator = validator;
    this.metrics = metrics;
    this.orgClaim = orgClaim;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    if (ex.token == null) {
      ctx.next();
      return;
    }
    validator
        .validate(ex.token)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                // The contract says validate never fails; if it does, it is ours: 500, logged.
                ctx.fail(ar.cause());
                return;
              }
              Validation v = ar.result();
              ex.authResult = v.result().label();
              if (v instanceof Validation.Valid valid) {
                // counted by step 5, whose verdict is the final result
                ex.verified = valid.token();
                ctx.next();
              } else {
                Validation.Rejected refused = (Validation.Rejected) v;
                metrics.authResult(v.result());
                if (refused.signedClaims() != null
                    && refused.signedClaims().get(orgClaim) instanceof String org
                    && Ids.wellFormed(org)) {
                  ex.org = org; // for the access log only: the request goes no further
                }
                ctx.fail(AuthFailures.failure(refused));
              }
            });
  }
}

package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.keyset.TokenValidator;
import io.portcullis.keyset.Validation;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Step 4: {@link TokenValidator#validate} gives a verified token or a mapped failure. */
final class AuthenticateHandler implements Handler<RoutingContext> {
  private final TokenValidator validator;
  private final GatewayMetrics metrics;

  AuthenticateHandler(TokenValidator validator, GatewayMetrics metrics) {
    this.validator = validator;
    this.metrics = metrics;
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
                metrics.authResult(v.result());
                ctx.fail(AuthFailures.failure((Validation.Rejected) v));
              }
            });
  }
}

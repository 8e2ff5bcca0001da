package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Step 6b: every scope the route lists must be in the token's {@code scope}/{@code scp}; else 403
 * {@code insufficient_scope} (RFC 6750 §3.1).
 */
final class ScopeHandler implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    List<String> required = ex.route.config().scopes();
    if (ex.verified == null || required.isEmpty()) {
      ctx.next();
      return;
    }
    List<String> granted = ex.verified.scopes();
    for (String scope : required) {
      if (!granted.contains(scope)) {
        ctx.fail(
            GatewayFailure.of(
                ErrorCode.INSUFFICIENT_SCOPE,
                "this route requires scope " + String.join(" ", required)));
        return;
      }
    }
    ctx.next();
  }
}

package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Step 3: exactly one {@code Authorization: Bearer <token>} (RFC 6750 §2.1). Routes with {@code
 * auth: none} skip steps 3–6. The per-IP auth-failure budget is checked here, before any signature
 * work.
 */
final class TokenExtractor implements Handler<RoutingContext> {
  private static final GatewayFailure MISSING =
      GatewayFailure.of(ErrorCode.MISSING_TOKEN, "a Bearer token is required");
  private static final GatewayFailure REPEATED =
      GatewayFailure.of(ErrorCode.INVALID_REQUEST, "more than one Authorization header");
  private static final GatewayFailure EMPTY =
      GatewayFailure.of(ErrorCode.INVALID_REQUEST, "malformed Bearer credentials");

  private final AuthFailureGate budget;

  TokenExtractor(AuthFailureGate budget) {
    this.budget = budget;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    if (!ex.route.config().authRequired()) {
      ctx.next();
      return;
    }
    GatewayFailure blocked = budget.check(ex.clientIp);
    if (blocked != null) {
      budget.headers(ctx.response(), blocked);
      ctx.fail(blocked);
      return;
    }
    List<String> values = ctx.request().headers().getAll("Authorization");
    if (values.isEmpty()) {
      ctx.fail(MISSING);
      return;
    }
    if (values.size() > 1) {
      ctx.fail(REPEATED);
      return;
    }
    String value = values.get(0).trim();
    int space = value.indexOf(' ');
    String scheme = space < 0 ? value : value.substring(0, space);
    if (!scheme.equalsIgnoreCase("Bearer")) {
      // Another scheme (Basic, ...) is not a bearer token at all: RFC 6750 §3.1 "no token".
      ctx.fail(MISSING);
      return;
    }
    String token = space < 0 ? "" : value.substring(space + 1).trim();
    if (token.isEmpty() || token.indexOf(' ') >= 0 || token.indexOf(',') >= 0) {
      ctx.fail(EMPTY);
      return;
    }
    ex.token = token;
    ctx.next();
  }
}

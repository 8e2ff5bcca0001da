package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Step 2: longest-prefix route match on the normalized path (so {@code /public/../private} is
 * judged as {@code /private}, the path the upstream will resolve), else 404 {@code no_route}.
 */
final class RouteHandler implements Handler<RoutingContext> {
  private static final GatewayFailure NO_ROUTE =
      GatewayFailure.of(ErrorCode.NO_ROUTE, "no route for this path");

  private final RouteTable routes;

  RouteHandler(RouteTable routes) {
    this.routes = routes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    RouteTable.Match match = routes.match(ctx.normalizedPath());
    if (match == null) {
      ctx.fail(NO_ROUTE);
      return;
    }
    Exchange ex = Exchange.of(ctx);
    ex.route = match.route();
    ex.pathOrg = match.org();
    ctx.next();
  }
}

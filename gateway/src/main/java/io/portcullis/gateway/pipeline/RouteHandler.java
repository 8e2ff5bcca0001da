package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Step 2: longest-prefix route match on the normalized path (so {@code /public/../private} is
 * judged as {@code /private}, the path the upstream will resolve), else 404 {@code no_route}. A
 * route an operator switched off ({@link RouteSwitch}) is 503 {@code route_disabled}, before any
 * token work: nothing of its traffic reaches the upstream.
 */
final class RouteHandler implements Handler<RoutingContext> {
  private static final GatewayFailure NO_ROUTE =
      GatewayFailure.of(ErrorCode.NO_ROUTE, "no route for this path");

  private static final GatewayFailure DISABLED =
      GatewayFailure.of(
          ErrorCode.ROUTE_DISABLED, "this route is switched off by the operators for now");

  private final RouteTable routes;
  private final RouteSwitch routeSwitch;

  RouteHandler(RouteTable routes, RouteSwitch routeSwitch) {
    this.routes = routes;
    this.routeSwitch = routeSwitch;
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
    if (!match.route().whoami() && routeSwitch.disabled(match.route().config().path())) {
      ctx.fail(DISABLED);
      return;
    }
    ctx.next();
  }
}

package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.log.AccessLog;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.proxy.ForwardHandler;
import io.portcullis.keyset.TokenValidator;
import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimiter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;

/**
 * The request path of the proxy listener, declared in one place (SPEC §4, ARCHITECTURE.md). Each
 * step is one {@code Handler<RoutingContext>}; the first failure answers through the one {@link
 * FailureHandler} and nothing reaches the upstream.
 *
 * <p>{@link Parts} holds the shared, thread-safe objects; {@link #router} is called once per event
 * loop by the proxy verticle with that loop's pooled upstream client.
 */
public final class Pipeline {
  private Pipeline() {}

  /**
   * Everything the steps share. All thread-safe: immutable config, Micrometer, the validator and
   * limiter (safe by contract), the revocation snapshot (immutable, swapped atomically).
   */
  public record Parts(
      GatewayConfig config,
      RouteTable routes,
      RouteSwitch routeSwitch,
      IdentityHeaders identity,
      TokenValidator validator,
      RevocationCheck revocation,
      RateLimiter rateLimiter,
      AuthFailureGate authFailureGate,
      RateLimitPolicies rateLimitPolicies,
      GatewayMetrics metrics) {
    public Parts {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(routes, "routes");
      Objects.requireNonNull(routeSwitch, "routeSwitch");
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(validator, "validator");
      Objects.requireNonNull(revocation, "revocation");
      Objects.requireNonNull(authFailureGate, "authFailureGate");
      Objects.requireNonNull(rateLimitPolicies, "rateLimitPolicies");
      Objects.requireNonNull(metrics, "metrics");
    }
  }

  public static Router router(Vertx vertx, Parts parts, HttpClient upstreamClient) {
    String orgClaim = parts.config().auth().orgClaim();
    Router router = Router.router(vertx);
    router
        .route()
        // 1. request id, traceparent, timing; every answer below carries the id
        .handler(new RequestIdHandler((ctx, ex) -> completed(parts.metrics(), ctx, ex)))
        //    inbound identity headers stripped before any decision (X-Org-Id kept aside for 6)
        .handler(new InboundHeaderHandler(parts.identity()))
        // 2. longest-prefix route → 404 no_route; switched off by an operator → 503
        .handler(new RouteHandler(parts.routes(), parts.routeSwitch()))
        //    an operator's clamp on an abusive source address (ip: override), before token work
        .handler(new SourceClampHandler(parts.rateLimiter(), parts.rateLimitPolicies()))
        // 3. exactly one Bearer token; per-IP auth-failure budget before any signature work
        .handler(new TokenExtractor(parts.authFailureGate()))
        // 4. signature and claims (keyset module)
        .handler(new AuthenticateHandler(parts.validator(), parts.metrics(), orgClaim))
        // 5. revocation: jti, subject/tenant cut-offs, kid, suspension (in memory)
        .handler(new RevocationHandler(parts.revocation(), orgClaim, parts.metrics()))
        // 6. tenant context, fail closed; then the route's scopes
        .handler(new TenantHandler(orgClaim))
        .handler(new ScopeHandler())
        // 7. rate limit per tenant (per IP on public routes)
        .handler(new RateLimitHandler(parts.rateLimiter(), parts.rateLimitPolicies()))
        // 8. forward (or answer /_portcullis/whoami)
        .handler(
            new ForwardHandler(upstreamClient, parts.identity(), parts.metrics(), parts.config()))
        .failureHandler(new FailureHandler(parts.authFailureGate()));
    return router;
  }

  /** Once per request, when the response ended or the connection closed: metrics and access log. */
  private static void completed(GatewayMetrics metrics, RoutingContext ctx, Exchange ex) {
    long nanos = System.nanoTime() - ex.startNanos;
    int status = ctx.response().getStatusCode();
    if (ex.code == null) {
      ex.code = ctx.response().ended() ? (status < 400 ? "ok" : "status_" + status) : "aborted";
    }
    metrics.request(ex.routeLabel(), ex.code, nanos);
    AccessLog.log(ex, ctx.request().method().name(), ctx.request().path(), status, nanos);
  }
}

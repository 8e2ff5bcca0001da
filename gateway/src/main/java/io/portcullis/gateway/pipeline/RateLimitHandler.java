package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Whoami;
import io.portcullis.ratelimit.Decision;
import io.portcullis.ratelimit.RateLimitHeaders;
import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimitSubject;
import io.portcullis.ratelimit.RateLimiter;
import io.portcullis.ratelimit.ResolvedLimit;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;

/**
 * Step 7: one token from the caller's bucket. {@link RateLimitPolicies} picks bucket and policy
 * from verified identity only (tenant by default; overrides per subject, client or tenant; public
 * routes per client IP). Every limited response carries {@code RateLimit-Policy} and {@code
 * RateLimit}; a 429 also {@code Retry-After}. Under {@code closed} with the backend down: 503
 * {@code service_unavailable} with {@code Retry-After} (the client did nothing wrong, so not 429).
 * A request whose limit resolves to off passes untouched.
 */
final class RateLimitHandler implements Handler<RoutingContext> {
  /**
   * Under {@code closed} with the backend down. Preallocated: while Redis is down every request
   * gets it. Retry-After 1 s: the breaker's probe brings Redis back within seconds of its return.
   */
  private static final GatewayFailure UNAVAILABLE =
      GatewayFailure.retryable(
          ErrorCode.SERVICE_UNAVAILABLE, "rate limiting is unavailable", Duration.ofSeconds(1));

  private final RateLimiter limiter;
  private final RateLimitPolicies policies;

  RateLimitHandler(RateLimiter limiter, RateLimitPolicies policies) {
    this.limiter = limiter;
    this.policies = policies;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (limiter == null) {
      ctx.next();
      return;
    }
    Exchange ex = Exchange.of(ctx);
    String route = ex.route.config().path();
    RateLimitSubject subject =
        ex.verified == null
            ? RateLimitSubject.publicRoute(route, ex.clientIp)
            : RateLimitSubject.authenticated(
                route, ex.org, Whoami.clientId(ex.verified), ex.verified.subject(), ex.clientIp);
    Optional<ResolvedLimit> found = policies.find(subject);
    if (found.isEmpty()) {
      // Limiting is off here (PORTCULLIS_RATE_LIMIT=off or the route's rate_limit: off) and no
      // override applies: no bucket, no backend call, no RateLimit headers.
      ctx.next();
      return;
    }
    enforce(ctx, limiter, found.get());
  }

  /**
   * One token from {@code limit}'s bucket: on success headers and {@code ctx.next()}, else 429
   * {@code rate_limited} with {@code Retry-After} (503 under {@code closed} with the backend down).
   * Shared with {@link SourceClampHandler}.
   */
  static void enforce(RoutingContext ctx, RateLimiter limiter, ResolvedLimit limit) {
    limiter
        .acquire(limit)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
              }
              Decision d = ar.result();
              headers(ctx.response(), limit, d);
              if (d.allowed()) {
                ctx.next();
              } else if (d.outcome() == Decision.Outcome.FAILED_CLOSED) {
                ctx.fail(UNAVAILABLE);
              } else {
                ctx.fail(
                    GatewayFailure.retryable(
                        ErrorCode.RATE_LIMITED,
                        "rate limit exceeded",
                        Duration.ofSeconds(RateLimitHeaders.retryAfterSeconds(d))));
              }
            });
  }

  private static void headers(HttpServerResponse response, ResolvedLimit limit, Decision d) {
    response.putHeader(
        RateLimitHeaders.POLICY_HEADER,
        RateLimitHeaders.policy(limit.policyLabel(), limit.policy()));
    response.putHeader(
        RateLimitHeaders.RATELIMIT_HEADER, RateLimitHeaders.rateLimit(limit.policyLabel(), d));
  }
}

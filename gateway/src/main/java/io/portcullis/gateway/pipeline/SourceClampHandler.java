package io.portcullis.gateway.pipeline;

import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimiter;
import io.portcullis.ratelimit.ResolvedLimit;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Step 2b: the operator's clamp on an abusive source. An {@code ip:<addr>} override (admin API or
 * {@code RL_OVERRIDES_JSON}) limits that address on authenticated routes too, before any token
 * work, so a clamped source can neither burn signature checks nor spend a tenant's budget past it;
 * the tenant's own limit still applies at step 7, so a clamp only tightens. Public routes are
 * limited per address at step 7 already (the same bucket), so they are not charged twice.
 */
final class SourceClampHandler implements Handler<RoutingContext> {
  private final RateLimiter limiter;
  private final RateLimitPolicies policies;

  SourceClampHandler(RateLimiter limiter, RateLimitPolicies policies) {
    this.limiter = limiter;
    this.policies = policies;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    if (limiter == null || !ex.route.config().authRequired()) {
      ctx.next();
      return;
    }
    Optional<ResolvedLimit> clamp = policies.sourceClamp(ex.clientIp);
    if (clamp.isEmpty()) {
      ctx.next();
      return;
    }
    RateLimitHandler.enforce(ctx, limiter, clamp.get());
  }
}

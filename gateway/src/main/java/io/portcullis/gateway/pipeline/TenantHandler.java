package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Ids;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Step 6, fail closed: the org claim must be present and well-formed; the route's {@code {org}} and
 * any client {@code X-Org-Id} must equal it. A token without a tenant never reaches an upstream.
 */
final class TenantHandler implements Handler<RoutingContext> {
  private final String orgClaim;
  private final GatewayFailure missing;
  private static final GatewayFailure PATH_MISMATCH =
      GatewayFailure.of(ErrorCode.ORG_MISMATCH, "the org in the path is not the token's org");
  private static final GatewayFailure HEADER_MISMATCH =
      GatewayFailure.of(ErrorCode.ORG_MISMATCH, "X-Org-Id is not the token's org");

  TenantHandler(String orgClaim) {
    this.orgClaim = orgClaim;
    this.missing =
        GatewayFailure.of(
            ErrorCode.ORG_CONTEXT_MISSING,
            "the token has no well-formed tenant in claim " + orgClaim);
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    if (ex.verified == null) {
      ctx.next();
      return;
    }
    String org = ex.verified.stringClaim(orgClaim).orElse(null);
    if (!Ids.wellFormed(org)) {
      ctx.fail(missing);
      return;
    }
    if (ex.route.hasOrg() && !org.equals(ex.pathOrg)) {
      ctx.fail(PATH_MISMATCH);
      return;
    }
    for (String claimed : ex.clientOrgIds) {
      if (!org.equals(claimed.trim())) {
        ctx.fail(HEADER_MISMATCH);
        return;
      }
    }
    ex.org = org;
    ctx.next();
  }
}

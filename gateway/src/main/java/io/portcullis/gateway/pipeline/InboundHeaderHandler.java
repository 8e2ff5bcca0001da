package io.portcullis.gateway.pipeline;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * Step 0, before anything else: remembers the client's {@code X-Org-Id} for the tenant check (step
 * 6) and removes every inbound identity header, so no later step and no upstream can read a
 * client-chosen identity.
 */
final class InboundHeaderHandler implements Handler<RoutingContext> {
  private final IdentityHeaders identity;

  InboundHeaderHandler(IdentityHeaders identity) {
    this.identity = identity;
  }

  @Override
  public void handle(RoutingContext ctx) {
    MultiMap headers = ctx.request().headers();
    List<String> orgs = headers.getAll(IdentityHeaders.ORG);
    if (!orgs.isEmpty()) {
      Exchange.of(ctx).clientOrgIds = List.copyOf(orgs);
    }
    for (String name : identity.all()) {
      headers.remove(name);
    }
    ctx.next();
  }
}

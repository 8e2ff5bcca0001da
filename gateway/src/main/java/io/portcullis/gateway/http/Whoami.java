package io.portcullis.gateway.http;

import io.portcullis.gateway.pipeline.Exchange;
import io.portcullis.keyset.VerifiedToken;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /_portcullis/whoami} (SPEC §4): after steps 1–7, answers the identity the upstream
 * would receive instead of forwarding, so on-call can prove "auth passes" without an upstream.
 */
public final class Whoami {
  private Whoami() {}

  public static void respond(RoutingContext ctx, Exchange ex) {
    VerifiedToken t = ex.verified;
    JsonObject body =
        new JsonObject()
            .put("org", ex.org)
            .put("sub", t.subject())
            .put("client", clientId(t))
            .put("scopes", new JsonArray(t.scopes()))
            .put("kid", t.kid())
            .put("iss", t.issuer())
            .put("exp", t.expiresAt().getEpochSecond())
            // with exp, what POST /admin/v1/revocations {"jti","exp"} needs to revoke this token
            .put("jti", t.jti())
            .put("request_id", ex.requestId);
    ex.code = "ok";
    ctx.request().resume();
    ctx.response()
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.toBuffer());
  }

  /** {@code client_id} (RFC 9068 §2.2) or, as OpenID Connect issuers name it, {@code azp}. */
  public static String clientId(VerifiedToken t) {
    return t.stringClaim("client_id").orElse(t.stringClaim("azp").orElse(null));
  }
}

package io.portcullis.gateway.pipeline;

import io.portcullis.keyset.TokenValidator;
import io.portcullis.keyset.VerifiedToken;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * What the pipeline learned about one request, for the later steps, the access log and the metrics.
 * Confined to the request's event loop, so plain fields suffice.
 */
public final class Exchange {
  private static final String KEY = "portcullis.exchange";

  public final long startNanos;
  public final String clientIp;
  public String requestId;
  public String traceparent;

  /** X-Org-Id values the client sent; read only by the tenant check, never forwarded. */
  public List<String> clientOrgIds = List.of();

  public Route route;

  /** The {@code {org}} path parameter, or {@code null}. */
  public String pathOrg;

  public String token;
  public VerifiedToken verified;

  /** The {@code result} of token validation, or {@code null} when none ran. */
  public String authResult;

  /**
   * The verified tenant, set by step 6; or, for the access log only, the tenant of a token refused
   * in step 4 for its claims after its signature verified, or refused in step 5 (revoked, its key
   * revoked, its tenant suspended): the request ends there.
   */
  public String org;

  /** The {@code code} metric label: an error code, or ok / upstream_4xx / upstream_5xx. */
  public String code;

  public long upstreamNanos = -1;

  Exchange(long startNanos, String clientIp) {
    this.startNanos = startNanos;
    this.clientIp = clientIp;
  }

  public static Exchange of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  static Exchange start(RoutingContext ctx, long startNanos) {
    var address = ctx.request().remoteAddress();
    Exchange ex = new Exchange(startNanos, address == null ? "unknown" : address.hostAddress());
    ctx.put(KEY, ex);
    return ex;
  }

  /**
   * The token's short SHA-256 fingerprint for logs (also for a rejected token, so on-call can
   * correlate attempts), or {@code null} when none was sent. Never the token itself.
   */
  public String fingerprint() {
    if (verified != null) {
      return verified.fingerprint();
    }
    return token == null ? null : TokenValidator.fingerprint(token);
  }

  /** The {@code route} metric label: the route's configured path, bounded by the config. */
  public String routeLabel() {
    return route == null ? "none" : route.config().path();
  }
}

package io.portcullis.gateway.proxy;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.config.RouteConfig;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Whoami;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.pipeline.Exchange;
import io.portcullis.gateway.pipeline.IdentityHeaders;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Locale;

/**
 * Step 8: forwards the request to the route's upstream over the verticle's pooled {@link
 * HttpClient}, or answers {@code /_portcullis/whoami}. An HTTP exchange is an {@link
 * UpstreamExchange} (bodies stream both ways with back-pressure); a WebSocket upgrade is a {@link
 * WebSocketTunnel}. Which headers cross is {@link HeaderRules}.
 *
 * <p>Why not vertx-http-proxy, which this replaced: per request it built a proxy, an interceptor
 * chain and several futures, and parsed and re-formatted the upstream's {@code Date} header for a
 * cache we do not use; together about a tenth of the gateway's CPU per request
 * (load-tests/RESULTS.md, 2026-11-22). Its WebSocket path also dropped a failed upgrade on the
 * floor ({@code System.err} and an open client connection). The forwarding here is the same Vert.x
 * client and server calls, with every failure mapped to SPEC's 502/504/413.
 */
public final class ForwardHandler implements Handler<RoutingContext> {
  private final HttpClient client;
  private final HeaderRules headers;
  private final GatewayMetrics metrics;
  private final GatewayConfig config;

  public ForwardHandler(
      HttpClient client, IdentityHeaders identity, GatewayMetrics metrics, GatewayConfig config) {
    this.client = client;
    this.headers = new HeaderRules(identity);
    this.metrics = metrics;
    this.config = config;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Exchange ex = Exchange.of(ctx);
    if (ex.route.whoami()) {
      Whoami.respond(ctx, ex);
      return;
    }
    HttpServerRequest request = ctx.request();
    // The route's own bound (max_body_size), else PORTCULLIS_MAX_BODY_SIZE.
    long maxBody = ex.route.config().maxBodySize(config.server().maxBodySize());
    String length = request.getHeader("Content-Length");
    if (length != null) {
      long declared = UpstreamExchange.declaredLength(length);
      if (declared < 0) {
        ctx.fail(GatewayFailure.of(ErrorCode.INVALID_REQUEST, "malformed Content-Length"));
        return;
      }
      if (declared > maxBody) {
        ctx.fail(
            GatewayFailure.of(
                ErrorCode.PAYLOAD_TOO_LARGE, "request body larger than " + maxBody + " bytes"));
        return;
      }
    }
    RequestOptions options = options(ex.route.config(), ctx.normalizedPath(), request);
    if (request.canUpgradeToWebSocket()) {
      headers.toUpstream(ex, request, options.getHeaders(), true);
      new WebSocketTunnel(ctx, ex, metrics).open(client, options);
      return;
    }
    headers.toUpstream(ex, request, options.getHeaders(), false);
    new UpstreamExchange(ctx, ex, metrics, maxBody).send(client, options);
  }

  /**
   * Where the request goes: the route's upstream with its base path, the normalized path the route
   * matched on, the client's query; the connect timeout (past it: 502) and the route's response
   * timeout as the exchange's idle timeout (no byte from the upstream for that long: 504).
   */
  private RequestOptions options(RouteConfig route, String path, HttpServerRequest request) {
    URI upstream = route.upstream();
    boolean ssl = upstream.getScheme().toLowerCase(Locale.ROOT).equals("https");
    String base = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    String query = request.query();
    return new RequestOptions()
        .setHeaders(HttpHeaders.headers())
        .setMethod(request.method())
        .setHost(upstream.getHost())
        .setPort(upstream.getPort() > 0 ? upstream.getPort() : ssl ? 443 : 80)
        .setSsl(ssl)
        .setURI(query == null ? base + path : base + path + "?" + query)
        .setConnectTimeout(config.upstream().connectTimeout().toMillis())
        .setIdleTimeout(route.timeout().toMillis());
  }
}

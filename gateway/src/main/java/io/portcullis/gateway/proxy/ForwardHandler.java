package io.portcullis.gateway.proxy;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Whoami;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.pipeline.Exchange;
import io.portcullis.gateway.pipeline.IdentityHeaders;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.ext.web.RoutingContext;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyOptions;

/**
 * Step 8: forwards through vertx-http-proxy with the verticle's pooled {@link HttpClient}; bodies
 * stream both ways with back-pressure (the proxy pipes them), WebSocket upgrades are tunnelled.
 * {@code /_portcullis/whoami} answers here instead. One small {@link HttpProxy} per request carries
 * that request's interceptor; the client and its connection pool are shared by the event loop.
 */
public final class ForwardHandler implements Handler<RoutingContext> {
  private static final ProxyOptions OPTIONS = new ProxyOptions().setSupportWebSocket(true);

  private final HttpClient client;
  private final IdentityHeaders identity;
  private final GatewayMetrics metrics;
  private final GatewayConfig config;

  public ForwardHandler(
      HttpClient client, IdentityHeaders identity, GatewayMetrics metrics, GatewayConfig config) {
    this.client = client;
    this.identity = identity;
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
    // The route's own bound (max_body_size), else PORTCULLIS_MAX_BODY_SIZE.
    long maxBody = ex.route.config().maxBodySize(config.server().maxBodySize());
    String length = ctx.request().getHeader("Content-Length");
    if (length != null && exceeds(length, maxBody)) {
      ctx.fail(
          GatewayFailure.of(
              ErrorCode.PAYLOAD_TOO_LARGE, "request body larger than " + maxBody + " bytes"));
      return;
    }
    HttpProxy proxy =
        HttpProxy.reverseProxy(OPTIONS, client)
            .origin(new UpstreamOrigin(ex.route.config(), config.upstream().connectTimeout()))
            .addInterceptor(
                new ForwardInterceptor(ex, ctx.normalizedPath(), identity, metrics, maxBody), true);
    proxy.handle(ctx.request());
  }

  private static boolean exceeds(String length, long max) {
    try {
      return Long.parseLong(length.trim()) > max;
    } catch (NumberFormatException e) {
      return false; // vertx-http-proxy rejects a malformed Content-Length itself (400)
    }
  }
}

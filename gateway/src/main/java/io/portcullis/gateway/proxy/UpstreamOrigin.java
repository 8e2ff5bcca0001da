package io.portcullis.gateway.proxy;

import io.portcullis.gateway.config.RouteConfig;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.httpproxy.OriginRequestProvider;
import io.vertx.httpproxy.ProxyContext;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * Opens the upstream request for one route from the verticle's pooled client, with the connect
 * timeout (past it: 502) and the route's response timeout as the request's idle timeout (no byte
 * from the upstream for that long: 504).
 */
final class UpstreamOrigin implements OriginRequestProvider {
  private final String host;
  private final int port;
  private final boolean ssl;
  private final long connectTimeoutMs;
  private final long responseTimeoutMs;

  UpstreamOrigin(RouteConfig route, Duration connectTimeout) {
    URI u = route.upstream();
    this.ssl = u.getScheme().toLowerCase(Locale.ROOT).equals("https");
    this.host = u.getHost();
    this.port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
    this.connectTimeoutMs = connectTimeout.toMillis();
    this.responseTimeoutMs = route.timeout().toMillis();
  }

  @Override
  public Future<HttpClientRequest> create(ProxyContext context) {
    return context
        .client()
        .request(
            new RequestOptions()
                .setHost(host)
                .setPort(port)
                .setSsl(ssl)
                .setConnectTimeout(connectTimeoutMs)
                .setIdleTimeout(responseTimeoutMs));
  }
}

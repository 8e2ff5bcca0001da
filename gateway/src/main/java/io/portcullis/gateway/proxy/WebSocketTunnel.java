package io.portcullis.gateway.proxy;

import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.AsyncResult;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket upgrade, authenticated like any request, then tunnelled: the upgrade goes to the
 * upstream with the gateway's headers; on its {@code 101} both connections become plain sockets
 * piped into each other with back-pressure, and either side closing closes the other. The gateway
 * does not parse frames.
 *
 * <p>An upstream that cannot be reached is 502 or 504 with the SPEC error body (the client has not
 * been answered yet); an upstream that refuses the upgrade has its answer relayed as is.
 */
final class WebSocketTunnel {
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);

  private final RoutingContext ctx;
  private final Exchange ex;
  private final GatewayMetrics metrics;
  private long start;

  WebSocketTunnel(RoutingContext ctx, Exchange ex, GatewayMetrics metrics) {
    this.ctx = ctx;
    this.ex = ex;
    this.metrics = metrics;
  }

  void open(HttpClient client, RequestOptions options) {
    start = System.nanoTime();
    client.request(options).compose(request -> request.connect()).onComplete(this::answered);
  }

  private void answered(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      ex.upstreamNanos = -1;
      if (ctx.response().closed()) {
        ex.code = "aborted";
        return;
      }
      LOG.warn(
          "upstream upgrade failed: route={} request_id={} error={}: {}",
          ex.routeLabel(),
          ex.requestId,
          ar.cause().getClass().getSimpleName(),
          ar.cause().getMessage());
      ctx.fail(
          UpstreamExchange.causedBy(ar.cause(), TimeoutException.class)
              ? UpstreamExchange.TIMEOUT
              : UpstreamExchange.UNAVAILABLE);
      return;
    }
    HttpClientResponse upstream = ar.result();
    ex.upstreamNanos = System.nanoTime() - start;
    metrics.upstream(ex.routeLabel(), ex.upstreamNanos);
    int status = upstream.statusCode();
    HttpServerResponse response = ctx.response();
    if (status != 101) {
      // The upstream refused the upgrade (403, 426, ...): the client gets that answer.
      ex.code = UpstreamExchange.codeFor(status);
      response.setStatusCode(status);
      HeaderRules.toClient(upstream.headers(), response.headers(), false);
      upstream.body().onSuccess(response::end).onFailure(err -> response.reset());
      return;
    }
    ex.code = "ok";
    NetSocket upstreamSocket = upstream.netSocket();
    upstreamSocket.pause(); // until the client side is a socket too: nothing may be dropped
    HeaderRules.toClient(upstream.headers(), response.headers(), true);
    ctx.request()
        .toNetSocket()
        .onComplete(
            client -> {
              if (client.failed()) {
                // The client connection is gone or cannot be switched: close both ends.
                LOG.warn(
                    "websocket tunnel not established: route={} request_id={} error={}",
                    ex.routeLabel(),
                    ex.requestId,
                    client.cause().getMessage());
                upstreamSocket.close();
                ctx.request().connection().close();
                return;
              }
              NetSocket clientSocket = client.result();
              clientSocket.pipeTo(upstreamSocket);
              upstreamSocket.pipeTo(clientSocket);
            });
  }
}

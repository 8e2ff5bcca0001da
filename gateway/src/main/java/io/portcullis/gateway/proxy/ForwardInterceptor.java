package io.portcullis.gateway.proxy;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.FailureResponder;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Whoami;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.pipeline.Exchange;
import io.portcullis.gateway.pipeline.IdentityHeaders;
import io.portcullis.keyset.VerifiedToken;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.MediaType;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 8's header and failure work for one request, as a vertx-http-proxy interceptor.
 *
 * <p>Forward: path rewritten to the normalized path the route matched on (under the upstream's base
 * path), Host set to the upstream (the client's goes to {@code X-Forwarded-Host}), hop-by-hop
 * headers removed (RFC 9110 §7.6.1, including those named in {@code Connection}), identity headers
 * removed and set from verified claims only, {@code X-Forwarded-For/-Proto/-Host}, request id and
 * {@code traceparent}. Upstream failures become 502 {@code upstream_unavailable} or 504 {@code
 * upstream_timeout} with the SPEC error body.
 *
 * <p>Backward: hop-by-hop response headers removed; the client gets exactly one {@code
 * X-Request-Id}, the gateway's.
 */
final class ForwardInterceptor implements ProxyInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardInterceptor.class);
  private static final List<String> HOP_BY_HOP =
      List.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");
  private static final GatewayFailure UNAVAILABLE =
      GatewayFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream service is unavailable");
  private static final GatewayFailure TIMEOUT =
      GatewayFailure.of(ErrorCode.UPSTREAM_TIMEOUT, "the upstream service did not answer in time");

  private static final GatewayFailure TOO_LARGE =
      GatewayFailure.of(ErrorCode.PAYLOAD_TOO_LARGE, "request body too large");

  private final Exchange ex;
  private final long maxBodySize;
  private LimitedBody limitedBody;
  private final String path;
  private final IdentityHeaders identity;
  private final GatewayMetrics metrics;

  ForwardInterceptor(
      Exchange ex,
      String path,
      IdentityHeaders identity,
      GatewayMetrics metrics,
      long maxBodySize) {
    this.ex = ex;
    this.maxBodySize = maxBodySize;
    this.path = path;
    this.identity = identity;
    this.metrics = metrics;
  }

  @Override
  public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
    ProxyRequest request = context.request();
    HttpServerRequest inbound = request.proxiedRequest();
    MultiMap headers = request.headers();
    removeHopByHop(headers, inbound.headers(), context.isWebSocket());
    for (String name : identity.all()) {
      headers.remove(name);
    }
    VerifiedToken t = ex.verified;
    if (t != null && !ex.route.config().forwardToken()) {
      // The gateway consumed the bearer token: like Envoy jwt_authn's default (forward: false) the
      // upstream gets verified identity headers, not a replayable credential. auth: none routes
      // never consumed it and pass Authorization through untouched.
      headers.remove("Authorization");
    }
    if (t != null) {
      headers.set(IdentityHeaders.ORG, ex.org);
      if (t.subject() != null) {
        headers.set(IdentityHeaders.SUBJECT, t.subject());
      }
      String client = Whoami.clientId(t);
      if (client != null) {
        headers.set(IdentityHeaders.CLIENT, client);
      }
      headers.set(IdentityHeaders.SCOPES, String.join(" ", t.scopes()));
    }
    String prior = inbound.getHeader("X-Forwarded-For");
    headers.set("X-Forwarded-For", prior == null ? ex.clientIp : prior + ", " + ex.clientIp);
    headers.set("X-Forwarded-Proto", inbound.scheme() == null ? "http" : inbound.scheme());
    HostAndPort authority = inbound.authority();
    if (authority != null) {
      headers.set("X-Forwarded-Host", authority.toString());
    }
    headers.set("X-Request-Id", ex.requestId);
    headers.set("traceparent", ex.traceparent);

    URI upstream = ex.route.config().upstream();
    String base = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    String query = inbound.query();
    request.setURI(base + path + (query == null ? "" : "?" + query));
    int port = upstream.getPort();
    request.setAuthority(
        HostAndPort.create(
            upstream.getHost(),
            port > 0 ? port : upstream.getScheme().equalsIgnoreCase("https") ? 443 : 80));

    if (!context.isWebSocket()
        && inbound.headers().contains("Transfer-Encoding", "chunked", true)
        && request.getBody() != null) {
      // No Content-Length to check up front (ForwardHandler does that): bound it while streaming.
      limitedBody = new LimitedBody(request.getBody().stream(), maxBodySize);
      request.setBody(Body.body(limitedBody, -1));
    }

    long start = System.nanoTime();
    Future<ProxyResponse> sent =
        context
            .sendRequest()
            .map(
                response -> {
                  ex.upstreamNanos = System.nanoTime() - start;
                  metrics.upstream(ex.routeLabel(), ex.upstreamNanos);
                  int status = response.getStatusCode();
                  ex.code = status >= 500 ? "upstream_5xx" : status >= 400 ? "upstream_4xx" : "ok";
                  return response;
                });
    if (context.isWebSocket()) {
      // vertx-http-proxy answers a failed upgrade itself (502); it cannot carry a body.
      return sent.onFailure(err -> ex.code = ErrorCode.UPSTREAM_UNAVAILABLE.code());
    }
    return sent.recover(err -> Future.succeededFuture(failed(request, err)));
  }

  private ProxyResponse failed(ProxyRequest request, Throwable err) {
    if (request.proxiedRequest().response().closed()) {
      // The client went away and the proxy reset the upstream exchange: not an upstream fault.
      ex.code = "aborted";
      return request.release().response().setStatusCode(499);
    }
    GatewayFailure failure =
        limitedBody != null && limitedBody.exceeded()
            ? TOO_LARGE
            : causedBy(err, TimeoutException.class) ? TIMEOUT : UNAVAILABLE;
    ex.code = failure.code().code();
    ex.upstreamNanos = -1;
    if (failure == TOO_LARGE) {
      return request
          .release()
          .response()
          .setStatusCode(failure.status())
          .putHeader("Connection", "close")
          .setBody(
              Body.body(
                  FailureResponder.body(failure, ex.requestId).toBuffer(),
                  MediaType.APPLICATION_JSON));
    }
    LOG.warn(
        "upstream failed: route={} request_id={} error={}: {}",
        ex.routeLabel(),
        ex.requestId,
        err.getClass().getSimpleName(),
        err.getMessage());
    return request
        .release()
        .response()
        .setStatusCode(failure.status())
        .putHeader("Content-Type", "application/json")
        .setBody(
            Body.body(
                FailureResponder.body(failure, ex.requestId).toBuffer(),
                MediaType.APPLICATION_JSON));
  }

  /**
   * Whether {@code type} is in the cause chain: a response timeout (504) as opposed to a refused or
   * failed connection (502).
   */
  static boolean causedBy(Throwable err, Class<? extends Throwable> type) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Future<Void> handleProxyResponse(ProxyContext context) {
    ProxyResponse response = context.response();
    MultiMap headers = response.headers();
    boolean upgrade = response.getStatusCode() == 101;
    if (!upgrade) {
      List<String> named = connectionTokens(headers);
      for (String h : HOP_BY_HOP) {
        if (!h.equals("transfer-encoding")) {
          headers.remove(h);
        }
      }
      named.forEach(headers::remove);
    }
    // Step 1 already put our X-Request-Id on the response; an upstream copy would duplicate it.
    headers.remove("X-Request-Id");
    return context.sendResponse();
  }

  private static void removeHopByHop(MultiMap headers, MultiMap inbound, boolean webSocket) {
    List<String> named = connectionTokens(inbound);
    for (String h : HOP_BY_HOP) {
      // A WebSocket upgrade needs Connection/Upgrade end to end (RFC 6455 §4.1).
      if (webSocket && (h.equals("connection") || h.equals("upgrade"))) {
        continue;
      }
      headers.remove(h);
    }
    for (String h : named) {
      if (!(webSocket && h.equals("upgrade"))) {
        headers.remove(h);
      }
    }
  }

  /** Header names listed in {@code Connection} (RFC 9110 §7.6.1), lower case. */
  private static List<String> connectionTokens(MultiMap headers) {
    List<String> out = new java.util.ArrayList<>();
    for (String value : headers.getAll("Connection")) {
      for (String token : value.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive")) {
          out.add(t);
        }
      }
    }
    return out;
  }
}

package io.portcullis.gateway.proxy;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.AsyncResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.Pipe;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied HTTP exchange. The request body is piped to the upstream (the pipeline paused it in
 * step 1, so nothing was lost while the auth steps ran); the response is relayed with its status
 * and end-to-end headers, its body piped back with back-pressure. A response of known small length
 * is read whole and written with its head in one write, as nginx's proxy buffering does; anything
 * larger or of unknown length streams.
 *
 * <p>Failures before the response head: the upstream could not be reached (502 {@code
 * upstream_unavailable}), sent nothing for the route's timeout (504 {@code upstream_timeout}), a
 * chunked request body crossed the size bound (413 {@code payload_too_large}), or the client left
 * (499 in the access log, nothing to answer). After the head, a broken upstream or client resets
 * the other side so a truncated body is never mistaken for a complete one.
 */
final class UpstreamExchange {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamExchange.class);

  /** Responses up to this length are buffered and written with their head in one write. */
  static final long WHOLE_RESPONSE_LIMIT = 16 * 1024;

  static final GatewayFailure UNAVAILABLE =
      GatewayFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream service is unavailable");
  static final GatewayFailure TIMEOUT =
      GatewayFailure.of(ErrorCode.UPSTREAM_TIMEOUT, "the upstream service did not answer in time");
  private static final GatewayFailure TOO_LARGE =
      GatewayFailure.of(ErrorCode.PAYLOAD_TOO_LARGE, "request body too large");

  private final RoutingContext ctx;
  private final Exchange ex;
  private final GatewayMetrics metrics;
  private final long maxBody;
  private LimitedBody limitedBody;
  private long start;

  UpstreamExchange(RoutingContext ctx, Exchange ex, GatewayMetrics metrics, long maxBody) {
    this.ctx = ctx;
    this.ex = ex;
    this.metrics = metrics;
    this.maxBody = maxBody;
  }

  void send(HttpClient client, RequestOptions options) {
    start = System.nanoTime();
    client.request(options).onComplete(this::connected);
  }

  private void connected(AsyncResult<HttpClientRequest> ar) {
    if (ar.failed()) {
      // No connection (refused, connect timeout, pool exhausted): the request never left.
      fail(UNAVAILABLE, ar.cause());
      return;
    }
    HttpClientRequest upstream = ar.result();
    HttpServerRequest inbound = ctx.request();
    // The client went away before its answer: abandon the upstream exchange, do not reuse it.
    ctx.addEndHandler(
        end -> {
          if (end.failed()) {
            upstream.reset(0, new Abandoned());
          }
        });
    upstream.response().onComplete(this::answered);
    String length = inbound.getHeader("Content-Length");
    if (length != null) {
      upstream.putHeader("Content-Length", length.trim());
      pipeBody(inbound, upstream);
    } else if (inbound.headers().contains("Transfer-Encoding", "chunked", true)) {
      // No length to check up front (ForwardHandler did that otherwise): bound it while streaming.
      upstream.setChunked(true);
      limitedBody = new LimitedBody(inbound, maxBody);
      pipeBody(limitedBody, upstream);
    } else {
      // No body: head and end leave in one write. Resume so the request's end is consumed.
      upstream.end();
      inbound.resume();
    }
  }

  private static void pipeBody(ReadStream<Buffer> body, HttpClientRequest upstream) {
    Pipe<Buffer> pipe = body.pipe();
    pipe.endOnFailure(false);
    pipe.to(upstream)
        .onFailure(
            err -> upstream.reset(0, err instanceof LimitedBody.TooLarge ? err : new Abandoned()));
  }

  private void answered(AsyncResult<HttpClientResponse> ar) {
    HttpServerResponse response = ctx.response();
    if (ar.failed()) {
      if (response.closed()) {
        // The client went away and the upstream exchange was reset: not an upstream fault.
        ex.code = "aborted";
        response.setStatusCode(499);
        return;
      }
      if (limitedBody != null && limitedBody.exceeded()) {
        response.putHeader("Connection", "close");
        fail(TOO_LARGE, null);
        return;
      }
      fail(causedBy(ar.cause(), TimeoutException.class) ? TIMEOUT : UNAVAILABLE, ar.cause());
      return;
    }
    HttpClientResponse upstream = ar.result();
    ex.upstreamNanos = System.nanoTime() - start;
    metrics.upstream(ex.routeLabel(), ex.upstreamNanos);
    int status = upstream.statusCode();
    ex.code = codeFor(status);
    response.setStatusCode(status);
    if (upstream.statusMessage() != null) {
      response.setStatusMessage(upstream.statusMessage());
    }
    HeaderRules.toClient(upstream.headers(), response.headers(), false);
    String length = upstream.getHeader("Content-Length");
    if (length != null) {
      long declared = declaredLength(length);
      if (declared >= 0 && declared <= WHOLE_RESPONSE_LIMIT) {
        upstream
            .body()
            .onComplete(
                body -> {
                  if (body.succeeded()) {
                    response.end(body.result());
                  } else {
                    response.reset();
                  }
                });
        return;
      }
    } else if (!hasBody(ctx.request().method(), status)) {
      upstream.end().onComplete(v -> response.end());
      return;
    } else if (ctx.request().version() == HttpVersion.HTTP_1_0) {
      // An HTTP/1.0 client cannot read chunked framing: the body is read whole, then sent with its
      // length (as vertx-http-proxy did). The upstream chose not to declare a length.
      upstream.body().onSuccess(response::end).onFailure(err -> response.reset());
      return;
    } else {
      response.setChunked(true);
    }
    Pipe<Buffer> pipe = upstream.pipe();
    pipe.endOnFailure(false);
    pipe.to(response)
        .onFailure(
            err -> {
              // Either side broke mid-body: cut both, so the client cannot take a truncated body
              // for a complete one and the pooled upstream connection is not reused half-read.
              ctx.request().connection().close();
              upstream.request().reset();
            });
  }

  private void fail(GatewayFailure failure, Throwable cause) {
    ex.upstreamNanos = -1;
    if (cause != null) {
      LOG.warn(
          "upstream failed: route={} request_id={} error={}: {}",
          ex.routeLabel(),
          ex.requestId,
          cause.getClass().getSimpleName(),
          cause.getMessage());
    }
    ctx.fail(failure);
  }

  /** The access log's and metrics' {@code code} for an upstream answer. */
  static String codeFor(int status) {
    return status >= 500 ? "upstream_5xx" : status >= 400 ? "upstream_4xx" : "ok";
  }

  /** RFC 9110 §6.4.1: no body for HEAD, 1xx, 204 and 304. */
  private static boolean hasBody(HttpMethod method, int status) {
    return method != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }

  /** A Content-Length value, or -1 when it is not a plain non-negative decimal number. */
  static long declaredLength(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.length() > 18) {
      return -1;
    }
    for (int i = 0; i < v.length(); i++) {
      if (v.charAt(i) < '0' || v.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(v);
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

  /** The cause an upstream request is reset with when the client's body stream broke. */
  static final class Abandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Abandoned() {
      super("client request body stream failed", null, false, false);
    }
  }
}

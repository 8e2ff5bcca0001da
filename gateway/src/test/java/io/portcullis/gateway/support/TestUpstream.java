package io.portcullis.gateway.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A real upstream on port 0. {@code /echo*} streams the request body back (piped, with
 * back-pressure); {@code /big?bytes=N} streams N bytes; {@code /slow} never answers; {@code /ws}
 * accepts a WebSocket and echoes frames; {@code /wsdeny} refuses an upgrade with 403; {@code
 * /fixed?bytes=N} answers N bytes with a Content-Length; {@code /hang} never answers and counts its
 * connection's close in {@link #hangClosed}; anything else answers JSON of the headers it received.
 * Every request's headers are queued for assertions.
 */
public final class TestUpstream {
  public final LinkedBlockingQueue<MultiMap> received = new LinkedBlockingQueue<>();
  public final LinkedBlockingQueue<String> uris = new LinkedBlockingQueue<>();
  public final java.util.concurrent.atomic.AtomicInteger hangClosed =
      new java.util.concurrent.atomic.AtomicInteger();
  private HttpServer server;
  private Vertx vertx;

  public Future<TestUpstream> start(Vertx vertx) {
    this.vertx = vertx;
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(0, "127.0.0.1").map(s -> this);
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public Future<Void> close() {
    return server.close();
  }

  private void handle(HttpServerRequest req) {
    MultiMap copy = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
    received.add(copy);
    uris.add(req.uri());
    String path = req.path();
    if (path.endsWith("/ws")) {
      req.toWebSocket().onSuccess(ws -> ws.textMessageHandler(ws::writeTextMessage));
      return;
    }
    if (path.endsWith("/wsdeny")) {
      req.response().setStatusCode(403).putHeader("X-Denied-By", "upstream").end("no upgrade");
      return;
    }
    if (path.endsWith("/fixed")) {
      int bytes = Integer.parseInt(req.getParam("bytes"));
      byte[] body = new byte[bytes];
      for (int i = 0; i < bytes; i++) {
        body[i] = (byte) ('a' + i % 26);
      }
      req.response().putHeader("Content-Length", String.valueOf(bytes)).end(Buffer.buffer(body));
      return;
    }
    if (path.endsWith("/hang")) {
      req.connection().closeHandler(v -> hangClosed.incrementAndGet());
      return;
    }
    if (path.endsWith("/slow")) {
      return; // never answers: the gateway's response timeout must fire
    }
    if (path.endsWith("/echo")) {
      req.response().setChunked(true).putHeader("Content-Type", "application/octet-stream");
      req.response().putHeader("Connection", "close, X-Upstream-Private");
      req.response().putHeader("X-Upstream-Private", "hop");
      req.response().putHeader("Keep-Alive", "timeout=5");
      req.pipeTo(req.response());
      return;
    }
    if (path.endsWith("/slowecho")) {
      // Reads the whole body before answering, like most upstreams.
      req.body().onSuccess(b -> req.response().end("read " + b.length()));
      return;
    }
    if (path.endsWith("/big")) {
      long bytes = Long.parseLong(req.getParam("bytes"));
      req.response().setChunked(true);
      writeBig(req, bytes);
      return;
    }
    if (path.endsWith("/delay")) {
      vertx.setTimer(Long.parseLong(req.getParam("ms")), t -> req.response().end("late"));
      return;
    }
    if (path.endsWith("/status")) {
      req.response().setStatusCode(Integer.parseInt(req.getParam("code"))).end();
      return;
    }
    JsonObject headers = new JsonObject();
    req.headers().forEach(e -> headers.put(e.getKey().toLowerCase(), e.getValue()));
    req.body()
        .onSuccess(
            b ->
                req.response()
                    .putHeader("X-Request-Id", String.valueOf(req.getHeader("X-Request-Id")))
                    .putHeader("Content-Type", "application/json")
                    .end(
                        new JsonObject().put("uri", req.uri()).put("headers", headers).toBuffer()));
  }

  /** Writes {@code remaining} bytes in 64 KiB chunks, honouring the response's back-pressure. */
  private static void writeBig(HttpServerRequest req, long remaining) {
    var response = req.response();
    while (remaining > 0 && !response.writeQueueFull()) {
      int n = (int) Math.min(65536, remaining);
      response.write(Buffer.buffer(new byte[n]));
      remaining -= n;
    }
    if (remaining == 0) {
      response.end();
      return;
    }
    long left = remaining;
    response.drainHandler(v -> writeBig(req, left));
  }
}

package io.portcullis.keyset;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP server on port 0 that serves a JWKS (public parts of the given keys) and counts
 * every request it receives, on any path. Also used as the target of {@code jku}/{@code x5u}
 * headers, to prove no fetch happens.
 */
final class JwksServer implements AutoCloseable {
  final AtomicInteger hits = new AtomicInteger();
  final List<String> paths = new CopyOnWriteArrayList<>();
  private final HttpServer server;
  private volatile List<JWK> keys;
  volatile int status = 200;
  volatile String cacheControl;

  JwksServer(Vertx vertx, List<JWK> keys) throws Exception {
    this.keys = List.copyOf(keys);
    this.server =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  hits.incrementAndGet();
                  paths.add(req.path());
                  var resp = req.response().setStatusCode(status);
                  if (cacheControl != null) {
                    resp.putHeader("Cache-Control", cacheControl);
                  }
                  resp.putHeader("Content-Type", "application/jwk-set+json")
                      .end(new JWKSet(this.keys).toPublicJWKSet().toString());
                })
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
  }

  void publish(List<JWK> keys) {
    this.keys = List.copyOf(keys);
  }

  int port() {
    return server.actualPort();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port() + "/jwks.json");
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}

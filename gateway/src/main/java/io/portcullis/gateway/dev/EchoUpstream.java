package io.portcullis.gateway.dev;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * The --dev upstream: answers every request with the method, path and headers it received (so a
 * developer sees the identity headers Portcullis injected) and the size of the body it read.
 */
public final class EchoUpstream {
  private EchoUpstream() {}

  public static Future<HttpServer> start(Vertx vertx) {
    return vertx
        .createHttpServer()
        .requestHandler(
            req ->
                req.body()
                    .onSuccess(
                        body -> {
                          JsonObject headers = new JsonObject();
                          req.headers().names().stream()
                              .sorted(String.CASE_INSENSITIVE_ORDER)
                              .forEach(
                                  n -> headers.put(n, String.join(", ", req.headers().getAll(n))));
                          req.response()
                              .putHeader("Content-Type", "application/json")
                              .end(
                                  new JsonObject()
                                      .put("method", req.method().name())
                                      .put("uri", req.uri())
                                      .put("headers", headers)
                                      .put("body_bytes", body.length())
                                      .encodePrettily());
                        }))
        .listen(0, "127.0.0.1");
  }
}

package io.portcullis.gateway.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.gateway.config.Defaults;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.FailureResponder;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Ids;
import io.portcullis.gateway.http.InvalidRequests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener (SPEC §5): {@code /healthz}, {@code /readyz}, {@code /metrics}, and the admin
 * API mounted at {@link #ADMIN_API_MOUNT}. None of it is routed on the proxy listener.
 */
public final class AdminServer {
  /** Where the admin API router is mounted. */
  public static final String ADMIN_API_MOUNT = "/admin/v1";

  private final Vertx vertx;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private final Router adminApi;
  private HttpServer server;

  /**
   * @param adminApi the admin API router (mounted at {@code /admin/v1}), or {@code null}: then
   *     every {@code /admin/v1/*} request is 404
   */
  public AdminServer(
      Vertx vertx, Readiness readiness, PrometheusMeterRegistry registry, Router adminApi) {
    this.vertx = vertx;
    this.readiness = readiness;
    this.registry = registry;
    this.adminApi = adminApi;
  }

  public Future<HttpServer> listen(String host, int port) {
    Router router = Router.router(vertx);
    // Liveness: answering at all proves the event loop runs; no dependency is checked.
    router
        .get(Defaults.HEALTH_PATH)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("status", "ok").toBuffer()));
    router
        .get(Defaults.READY_PATH)
        .handler(
            ctx -> {
              JsonObject report = readiness.report();
              ctx.response()
                  .setStatusCode("ready".equals(report.getString("status")) ? 200 : 503)
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Cache-Control", "no-store")
                  .end(report.toBuffer());
            });
    router
        .get(Defaults.METRICS_PATH)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape()));
    if (adminApi != null) {
      router.route(ADMIN_API_MOUNT + "/*").subRouter(adminApi);
    }
    // Anything else: the SPEC's JSON error, not vertx-web's HTML page.
    router
        .route()
        .last()
        .handler(
            ctx ->
                FailureResponder.respond(
                    ctx.response(),
                    GatewayFailure.of(
                        ErrorCode.NOT_FOUND, "no such endpoint on the admin listener"),
                    Ids.newRequestId()));
    InvalidRequests invalid = new InvalidRequests((code, nanos) -> {});
    server =
        vertx
            .createHttpServer(new HttpServerOptions())
            .requestHandler(invalid.guarding(router))
            .invalidRequestHandler(invalid);
    return server.listen(port, host);
  }

  public int actualPort() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** Stops accepting; requests in flight get up to {@code timeout} to finish. */
  public Future<Void> close(Duration timeout) {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}

package io.portcullis.gateway.admin;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.gateway.config.RouteConfig;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.FailureResponder;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.state.Await;
import io.portcullis.gateway.state.StateOptions;
import io.portcullis.gateway.state.StateService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A real admin listener on port 0: a root router mounting {@link AdminApi} at /admin/v1. */
final class AdminHarness implements AutoCloseable {
  final Vertx vertx;
  final StateService state;
  final FakeKeys keys = new FakeKeys();
  final HttpServer server;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  /** The configured routes {@code /routes} knows. */
  static final List<RouteConfig> ROUTES =
      List.of(route("/"), route("/orgs/{org}/"), route("/reports/"));

  static RouteConfig route(String path) {
    return new RouteConfig(
        path,
        URI.create("http://up.internal:8080"),
        !path.equals("/reports/"),
        List.of(),
        Duration.ofSeconds(5),
        null,
        false);
  }

  AdminHarness(Vertx vertx, StateOptions options, AdminTokens tokens, Clock clock) {
    this(vertx, options, tokens, clock, true);
  }

  AdminHarness(
      Vertx vertx, StateOptions options, AdminTokens tokens, Clock clock, boolean awaitLoad) {
    this.vertx = vertx;
    this.state = StateService.create(vertx, options, clock, registry);
    state.onKidRevoked(keys::invalidateKid);
    Await.result(state.start());
    if (awaitLoad) {
      Await.result(state.loaded().timeout(20, java.util.concurrent.TimeUnit.SECONDS));
    }
    Router root = Router.router(vertx);
    root.route("/admin/v1/*")
        .subRouter(
            AdminApi.create(
                vertx,
                state,
                keys,
                tokens,
                clock,
                new ConfiguredLimits(
                    io.portcullis.ratelimit.RateLimitPolicy.parse("100/s"),
                    java.util.Map.of(
                        "org:envtenant", io.portcullis.ratelimit.RateLimitPolicy.parse("7/s"))),
                ROUTES,
                registry));
    root.route()
        .failureHandler(
            ctx -> {
              GatewayFailure f =
                  ctx.failure() instanceof GatewayFailure g
                      ? g
                      : GatewayFailure.of(ErrorCode.INTERNAL_ERROR, "internal error");
              FailureResponder.respond(ctx.response(), f, "root");
            });
    this.server =
        Await.result(vertx.createHttpServer().requestHandler(root).listen(0, "127.0.0.1"));
  }

  static StateOptions embedded(java.nio.file.Path dir) {
    return StateOptions.of(null, dir, null)
        .withSyncInterval(Duration.ofMillis(200), Duration.ofSeconds(30));
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    Await.result(server.close());
    Await.result(state.close());
  }
}

package io.portcullis.gateway.proxy;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.http.InvalidRequests;
import io.portcullis.gateway.pipeline.Pipeline;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy listener on one event loop. Deployed once per event loop on the same port: Vert.x
 * shares the listening socket and spreads connections across the instances. Each instance owns its
 * upstream client (a connection pool on its own loop); everything else comes shared and thread-safe
 * in {@link Pipeline.Parts}.
 */
public final class ProxyVerticle extends VerticleBase {
  /** Upstream connections per event loop and upstream host. */
  static final int POOL_SIZE_PER_LOOP = 256;

  private final Pipeline.Parts parts;
  private final AtomicInteger connections;
  private final int port;
  private final String host;
  private final PemKeyCertOptions tls;
  private HttpServer server;

  /** Connections still waiting for their first complete request head, with their deadline timer. */
  private final Map<HttpConnection, Long> awaitingHeaders = new HashMap<>();

  /**
   * @param connections the open client connections of every instance, shared: {@code
   *     PORTCULLIS_MAX_CONNECTIONS} bounds the process, not one event loop
   */
  public ProxyVerticle(Pipeline.Parts parts, AtomicInteger connections, String host, int port) {
    this(parts, connections, host, port, null);
  }

  /**
   * @param tls the listener's certificate and key, or {@code null} for cleartext
   */
  public ProxyVerticle(
      Pipeline.Parts parts,
      AtomicInteger connections,
      String host,
      int port,
      PemKeyCertOptions tls) {
    this.parts = parts;
    this.connections = connections;
    this.host = host;
    this.port = port;
    this.tls = tls;
  }

  @Override
  public Future<?> start() {
    GatewayConfig config = parts.config();
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout((int) config.upstream().connectTimeout().toMillis())
                .setMaxHeaderSize(64 * 1024)
                .setDecompressionSupported(false),
            new PoolOptions().setHttp1MaxSize(POOL_SIZE_PER_LOOP).setMaxWaitQueueSize(10_000));
    InvalidRequests invalid =
        new InvalidRequests((code, nanos) -> parts.metrics().request("none", code, nanos));
    Router router = Pipeline.router(vertx, parts, client);
    server =
        vertx
            .createHttpServer(serverOptions(config, tls))
            .requestHandler(firstRequestArrived(invalid.guarding(router)))
            .invalidRequestHandler(invalid)
            .connectionHandler(this::admit);
    // This loop's rate-limit backend connection opens before the loop takes traffic (Redis: one
    // connection per event loop), so no request waits for a connect.
    return (parts.rateLimiter() == null
            ? Future.<Void>succeededFuture()
            : parts.rateLimiter().warmUpHere())
        .compose(v -> server.listen(port, host));
  }

  /**
   * Graceful: stop accepting, let in-flight requests finish for up to {@code
   * PORTCULLIS_SHUTDOWN_TIMEOUT}, then close what is left.
   */
  @Override
  public Future<?> stop() {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(
            parts.config().server().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Past {@code PORTCULLIS_MAX_CONNECTIONS} a new connection is closed at once: a connection flood
   * cannot exhaust file descriptors and memory of the instances already serving.
   */
  private void admit(HttpConnection connection) {
    if (connections.incrementAndGet() > parts.config().server().maxConnections()) {
      connections.decrementAndGet();
      connection.close();
      return;
    }
    long deadline = parts.config().server().headerReadTimeout().toMillis();
    awaitingHeaders.put(
        connection,
        vertx.setTimer(
            deadline,
            t -> {
              // Slowloris: a connection that has not sent a complete request head in time.
              if (awaitingHeaders.remove(connection) != null) {
                connection.close();
              }
            }));
    connection.closeHandler(
        v -> {
          connections.decrementAndGet();
          Long timer = awaitingHeaders.remove(connection);
          if (timer != null) {
            vertx.cancelTimer(timer);
          }
        });
  }

  /**
   * Cancels the header-read deadline once a connection delivered a complete request head. Later
   * requests on a kept-alive connection are bounded by the idle timeout. Event-loop confined: each
   * instance only sees its own connections.
   */
  private Handler<HttpServerRequest> firstRequestArrived(Handler<HttpServerRequest> next) {
    return request -> {
      Long timer = awaitingHeaders.remove(request.connection());
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
      next.handle(request);
    };
  }

  /** Serves {@code certificate} to new TLS connections from now on (a rotation, no restart). */
  public Future<Boolean> updateTls(PemKeyCertOptions certificate) {
    return server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(certificate));
  }

  /** The port this instance listens on (the shared one). */
  public int actualPort() {
    return server.actualPort();
  }

  static HttpServerOptions serverOptions(GatewayConfig config, PemKeyCertOptions tls) {
    HttpServerOptions options = new HttpServerOptions();
    if (tls != null) {
      options.setSsl(true).setKeyCertOptions(tls);
    }
    return options
        .setMaxHeaderSize(config.server().maxHeaderSize())
        .setIdleTimeout((int) config.server().idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setDecompressionSupported(false)
        .setCompressionSupported(false)
        // HTTP/1.1 only on the cleartext listener: h2c detection would delay the connection
        // handler (and so the connection limit) until the first bytes arrive.
        .setHttp2ClearTextEnabled(false);
  }
}

package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.health.ReadinessCheck;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin listener: probes, metrics, the /admin/v1 mount, and drain on shutdown. */
class AdminListenerTest {
  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  WebClient web;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  Gateway gateway(Map<String, String> env, Gateway.Builder... ignored) {
    return Gateway.builder(
            TestGateways.config(null, keys, with(env, "PORTCULLIS_UPSTREAM", upstream.url())))
        .vertx(vertx)
        .clock(Clock.systemUTC())
        .instances(1)
        .build();
  }

  static Map<String, String> with(Map<String, String> env, String k, String v) {
    var m = new java.util.HashMap<>(env);
    m.put(k, v);
    return m;
  }

  HttpResponse<Buffer> admin(Gateway g, String path) {
    return await(web.get(g.adminPort(), "127.0.0.1", path).send());
  }

  @Test
  void healthzAndReadyzAnswerWhenKeysAreUsable() {
    Gateway g = await(gateway(Map.of("JWT_KEY_ID_CURRENT", "k1")).start());
    HttpResponse<Buffer> health = admin(g, "/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("ok");
    HttpResponse<Buffer> ready = admin(g, "/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    JsonObject body = ready.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("ready");
    assertThat(body.getJsonObject("checks").getJsonObject("keys").getString("status"))
        .isEqualTo("up");
    assertThat(body.getJsonObject("checks").getJsonObject("draining").getString("status"))
        .isEqualTo("up");
    await(g.stop());
  }

  @Test
  void readyzIs503WhenTheCurrentKidIsMissing() {
    Gateway g = await(gateway(Map.of("JWT_KEY_ID_CURRENT", "k2")).start());
    HttpResponse<Buffer> ready = admin(g, "/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonObject body = ready.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("not_ready");
    JsonObject keysCheck = body.getJsonObject("checks").getJsonObject("keys");
    assertThat(keysCheck.getString("status")).isEqualTo("down");
    assertThat(keysCheck.getString("detail")).isEqualTo("current kid k2 not in keyset");
    // Liveness does not depend on readiness.
    assertThat(admin(g, "/healthz").statusCode()).isEqualTo(200);
    await(g.stop());
  }

  @Test
  void extraReadinessChecksAndTheAdminApiMount() {
    AtomicBoolean synced = new AtomicBoolean(false);
    Gateway g =
        await(
            Gateway.builder(
                    TestGateways.config(null, keys, Map.of("PORTCULLIS_UPSTREAM", upstream.url())))
                .vertx(vertx)
                .instances(1)
                .readinessCheck(
                    new ReadinessCheck() {
                      @Override
                      public String name() {
                        return "custom";
                      }

                      @Override
                      public Status status() {
                        return synced.get()
                            ? Status.up("synced")
                            : Status.down("initial sync pending");
                      }
                    })
                .adminApi(
                    gw -> {
                      assertThat(gw.keySet()).isNotNull();
                      assertThat(gw.rateLimitPolicies()).isNotNull();
                      Router r = Router.router(gw.vertx());
                      r.get("/keys").handler(ctx -> ctx.response().end("admin keys"));
                      return r;
                    })
                .build()
                .start());
    HttpResponse<Buffer> ready = admin(g, "/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(
            ready
                .bodyAsJsonObject()
                .getJsonObject("checks")
                .getJsonObject("custom")
                .getString("detail"))
        .isEqualTo("initial sync pending");
    synced.set(true);
    assertThat(admin(g, "/readyz").statusCode()).isEqualTo(200);
    assertThat(admin(g, "/admin/v1/keys").bodyAsString()).isEqualTo("admin keys");
    // The admin API is not reachable on the proxy listener.
    HttpResponse<Buffer> onProxy =
        await(web.get(g.proxyPort(), "127.0.0.1", "/admin/v1/keys").send());
    assertThat(onProxy.statusCode()).isEqualTo(401);
    assertThat(onProxy.bodyAsJsonObject().getString("error")).isEqualTo("missing_token");
    await(g.stop());
  }

  @Test
  void shutdownTurnsReadinessOffWhileStillServing() {
    Gateway g = await(gateway(Map.of("PORTCULLIS_DRAIN_DELAY", "5s")).start());
    var shutdown = g.shutdown();
    HttpResponse<Buffer> ready = admin(g, "/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(
            ready
                .bodyAsJsonObject()
                .getJsonObject("checks")
                .getJsonObject("draining")
                .getString("status"))
        .isEqualTo("down");
    HttpResponse<Buffer> served =
        await(
            web.get(g.proxyPort(), "127.0.0.1", "/x")
                .putHeader("Authorization", "Bearer " + keys.token("acme"))
                .send());
    assertThat(served.statusCode()).isEqualTo(200);
    await(shutdown);
  }

  @Test
  void aPortInUseFailsStartup() {
    Gateway first = await(gateway(Map.of()).start());
    Gateway second = gateway(Map.of("PORTCULLIS_ADMIN_PORT", Integer.toString(first.adminPort())));
    var result = second.start();
    await(result.transform(ar -> io.vertx.core.Future.succeededFuture(ar.failed())));
    assertThat(result.failed()).isTrue();
    await(first.stop());
  }

  @Test
  void connectionsPastTheLimitAreClosed() throws Exception {
    Gateway g = await(gateway(Map.of("PORTCULLIS_MAX_CONNECTIONS", "2")).start());
    var net = vertx.createNetClient();
    var a = await(net.connect(g.proxyPort(), "127.0.0.1"));
    var b = await(net.connect(g.proxyPort(), "127.0.0.1"));
    // A client's connect completes in the kernel before the server accepts; an answer proves the
    // gateway admitted (and counted) each of them, so the third is the one past the limit.
    assertThat(answer(a)).startsWith("HTTP/1.1 401");
    assertThat(answer(b)).startsWith("HTTP/1.1 401");
    // The close handler is attached on the event loop as the connection completes: the server
    // closes at accept, and a handler attached later from this thread could miss it.
    StringBuilder cGot = new StringBuilder();
    var closed =
        net.connect(g.proxyPort(), "127.0.0.1")
            .compose(
                c -> {
                  io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
                  c.closeHandler(p::tryComplete);
                  c.handler(cGot::append);
                  c.write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
                  return p.future();
                });
    Boolean wasClosed = await(closed.map(v -> Boolean.TRUE));
    assertThat(wasClosed).isTrue();
    assertThat(cGot.toString()).isEmpty();
    // The admitted ones still work.
    assertThat(answer(a)).startsWith("HTTP/1.1 401");
    await(b.close());
    await(a.close());
    await(g.stop());
  }

  /** Sends one request on a raw connection and returns the first bytes of the answer. */
  private static String answer(io.vertx.core.net.NetSocket socket) {
    io.vertx.core.Promise<String> answer = io.vertx.core.Promise.promise();
    socket.handler(buf -> answer.tryComplete(buf.toString()));
    socket.write("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
    return await(answer.future());
  }

  @Test
  void inFlightRequestsFinishDuringShutdown() throws Exception {
    Gateway g =
        await(
            gateway(Map.of("PORTCULLIS_DRAIN_DELAY", "0s", "PORTCULLIS_SHUTDOWN_TIMEOUT", "10s"))
                .start());
    var inFlight =
        web.get(g.proxyPort(), "127.0.0.1", "/delay?ms=1000")
            .putHeader("Authorization", "Bearer " + keys.token("acme"))
            .send();
    // Let the request reach the upstream before shutting down.
    assertThat(upstream.received.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
    var shutdown = g.shutdown();
    HttpResponse<Buffer> r = await(inFlight);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsString()).isEqualTo("late");
    await(shutdown);
    var refused = web.get(g.proxyPort(), "127.0.0.1", "/x").send();
    await(refused.transform(ar -> io.vertx.core.Future.succeededFuture()));
    assertThat(refused.failed()).isTrue();
  }

  @Test
  void aConnectionThatNeverFinishesItsHeadersIsClosed() {
    Gateway g = await(gateway(Map.of("PORTCULLIS_HEADER_READ_TIMEOUT", "300ms")).start());
    StringBuilder got = new StringBuilder();
    var closed =
        vertx
            .createNetClient()
            .connect(g.proxyPort(), "127.0.0.1")
            .compose(
                c -> {
                  io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
                  c.closeHandler(p::tryComplete);
                  c.handler(got::append);
                  c.write("GET /x HTTP/1.1\r\nHost: t\r\nX-Slow: "); // never finished
                  return p.future();
                });
    Boolean wasClosed = await(closed.map(v -> Boolean.TRUE), java.time.Duration.ofSeconds(5));
    assertThat(wasClosed).isTrue();
    assertThat(got.toString()).isEmpty();
    // A prompt client is unaffected.
    HttpResponse<Buffer> r =
        await(
            web.get(g.proxyPort(), "127.0.0.1", "/x")
                .putHeader("Authorization", "Bearer " + keys.token("acme"))
                .send());
    assertThat(r.statusCode()).isEqualTo(200);
    await(g.stop());
  }
}

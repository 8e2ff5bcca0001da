package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.portcullis.testkit.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The forward step's framing and connection handling against a real upstream: whole and streamed
 * bodies, bodiless answers, HTTP/1.0 clients, clients that leave, and WebSocket tunnels that open,
 * are refused, or find no upstream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForwardingTest {
  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  Gateway gateway;
  WebClient client;
  WebSocketClient webSockets;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    String yaml =
        """
        port: 0
        admin_port: 0
        admin_host: 127.0.0.1
        auth_failure_limit: "off"
        rate_limit: 100000/s
        routes:
          - path: /api/
            upstream: %s
          - path: /down/
            upstream: http://127.0.0.1:%d
        """
            .formatted(upstream.url(), Ports.free());
    GatewayConfig config = TestGateways.config(yaml, keys, Map.of());
    // The gateway owns its Vert.x here, built as in production (Gateway.vertxOptions): on Linux
    // every framing case below runs on the epoll transport the jar ships. GatewayProxyTest runs
    // its gateway on the test's java.nio Vert.x, so both transports carry real traffic in tests.
    gateway = await(Gateway.builder(config).clock(Clock.systemUTC()).instances(2).build().start());
    client =
        WebClient.create(
            vertx,
            new WebClientOptions().setDefaultPort(gateway.proxyPort()).setDefaultHost("127.0.0.1"));
    webSockets = vertx.createWebSocketClient();
  }

  @AfterAll
  void stop() {
    await(gateway.stop());
    await(vertx.close());
  }

  HttpResponse<Buffer> send(HttpMethod method, String path) {
    return await(
        client
            .request(method, path)
            .putHeader("Authorization", "Bearer " + keys.token("acme"))
            .send());
  }

  @Test
  void theGatewayRunsOnTheNativeTransportOnLinux() {
    boolean linux = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux");
    assertThat(Gateway.transportInUse(gateway.vertx())).isEqualTo(linux ? "epoll" : "nio");
    assertThat(gateway.vertx().isNativeTransportEnabled()).isEqualTo(linux);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 16 * 1024, 16 * 1024 + 1, 1024 * 1024})
  void aBodyOfKnownLengthArrivesWholeWithItsLength(int bytes) {
    // Up to 16 KiB the gateway reads the body and writes it with the head; above, it streams.
    HttpResponse<Buffer> r = send(HttpMethod.GET, "/api/fixed?bytes=" + bytes);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Length")).isEqualTo(String.valueOf(bytes));
    assertThat(r.getHeader("Transfer-Encoding")).isNull();
    assertThat(r.body() == null ? 0 : r.body().length()).isEqualTo(bytes);
    if (bytes > 0) {
      assertThat(r.body().getByte(bytes - 1)).isEqualTo((byte) ('a' + (bytes - 1) % 26));
    }
  }

  @Test
  void aHeadRequestGetsTheLengthAndNoBody() {
    HttpResponse<Buffer> r = send(HttpMethod.HEAD, "/api/fixed?bytes=100");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Length")).isEqualTo("100");
    assertThat(r.body()).isNull();
  }

  @Test
  void aNoContentAnswerHasNoBody() {
    HttpResponse<Buffer> r = send(HttpMethod.GET, "/api/status?code=204");
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.body()).isNull();
    // And the connection is still good for the next request.
    assertThat(send(HttpMethod.GET, "/api/fixed?bytes=3").bodyAsString()).isEqualTo("abc");
  }

  @Test
  void anHttp10ClientGetsAStreamedBodyWithALength() throws Exception {
    // The upstream streams 5000 bytes chunked; HTTP/1.0 has no chunked framing.
    String raw =
        rawExchange(
            "GET /api/big?bytes=5000 HTTP/1.0\r\nAuthorization: Bearer "
                + keys.token("acme")
                + "\r\n\r\n");
    String head = raw.substring(0, raw.indexOf("\r\n\r\n"));
    assertThat(head).startsWith("HTTP/1.0 200").containsIgnoringCase("content-length: 5000");
    assertThat(head.toLowerCase()).doesNotContain("transfer-encoding");
    assertThat(raw.length() - head.length() - 4).isEqualTo(5000);
  }

  @Test
  void aClientThatLeavesResetsTheUpstreamExchange() throws Exception {
    int before = upstream.hangClosed.get();
    try (Socket s = new Socket("127.0.0.1", gateway.proxyPort())) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /api/hang HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + keys.token("acme")
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (upstream.uris.stream().noneMatch(u -> u.endsWith("/hang"))
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
    // The pooled upstream connection of an abandoned exchange is closed, not reused half-done.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (upstream.hangClosed.get() == before && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(upstream.hangClosed.get()).isEqualTo(before + 1);
  }

  @Test
  void anUpstreamThatRefusesTheUpgradeHasItsAnswerRelayed() {
    assertThatThrownBy(() -> await(webSockets.connect(upgrade("/api/wsdeny"))))
        .hasCauseInstanceOf(UpgradeRejectedException.class)
        .satisfies(
            e -> {
              UpgradeRejectedException rejected = (UpgradeRejectedException) e.getCause();
              assertThat(rejected.getStatus()).isEqualTo(403);
              assertThat(rejected.getHeaders().get("X-Denied-By")).isEqualTo("upstream");
              assertThat(rejected.getBody().toString()).isEqualTo("no upgrade");
            });
  }

  @Test
  void anUpgradeWithNoUpstreamIs502WithTheErrorBody() {
    HttpResponse<Buffer> r =
        await(
            client
                .get("/down/ws")
                .putHeader("Authorization", "Bearer " + keys.token("acme"))
                .putHeader("Connection", "Upgrade")
                .putHeader("Upgrade", "websocket")
                .putHeader("Sec-WebSocket-Version", "13")
                .putHeader("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .send());
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("upstream_unavailable");
  }

  @Test
  void manyTunnelsOpenEchoAndCloseOneAfterAnotherAndAtOnce() {
    for (int i = 0; i < 30; i++) {
      assertThat(echoOnce("seq-" + i)).isEqualTo("seq-" + i);
    }
    List<Future<String>> parallel = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String text = "par-" + i;
      parallel.add(
          webSockets
              .connect(upgrade("/api/ws"))
              .compose(
                  ws -> {
                    var echoed = io.vertx.core.Promise.<String>promise();
                    ws.textMessageHandler(echoed::tryComplete);
                    ws.writeTextMessage(text);
                    return echoed.future().compose(m -> ws.close().map(m));
                  }));
    }
    await(Future.all(parallel));
    for (int i = 0; i < 30; i++) {
      assertThat(parallel.get(i).result()).isEqualTo("par-" + i);
    }
  }

  private String echoOnce(String text) {
    WebSocket ws = await(webSockets.connect(upgrade("/api/ws")));
    var echoed = io.vertx.core.Promise.<String>promise();
    ws.textMessageHandler(echoed::tryComplete);
    ws.writeTextMessage(text);
    String result = await(echoed.future());
    await(ws.close());
    return result;
  }

  private WebSocketConnectOptions upgrade(String uri) {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(gateway.proxyPort())
        .setURI(uri)
        .addHeader("Authorization", "Bearer " + keys.token("acme"));
  }

  private String rawExchange(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.proxyPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        all.write(buf, 0, n);
      }
      return all.toString(StandardCharsets.ISO_8859_1);
    }
  }
}

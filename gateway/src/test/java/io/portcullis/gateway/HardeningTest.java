package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile clients through raw sockets against a real gateway (issue 5, "Hardening tests"): huge
 * headers, garbage request lines, a flood of idle connections, slow-loris. After each, the process
 * still serves a normal request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardeningTest {
  static final int MAX_CONNECTIONS = 2_100;

  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  Gateway gateway;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_UPSTREAM", upstream.url());
    env.put("PORTCULLIS_HEADER_READ_TIMEOUT", "1s");
    // Longer than the test's trickle interval: only the header-read deadline can cut it off.
    env.put("PORTCULLIS_IDLE_TIMEOUT", "30s");
    env.put("PORTCULLIS_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS));
    gateway =
        await(
            Gateway.builder(TestGateways.config(null, keys, env))
                .vertx(vertx)
                .instances(2)
                .build()
                .start());
  }

  @AfterAll
  void stop() {
    await(gateway.stop());
    await(vertx.close());
  }

  Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", gateway.proxyPort()), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  /** Reads until the peer closes (or the 10 s read timeout, which fails the test). */
  static String readAll(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // A reset after the answer (the server closed with unread request bytes) ends the stream.
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  static JsonObject body(String response) {
    return new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4));
  }

  /** A well-formed authenticated request on a fresh connection succeeds: the process is fine. */
  void assertServing() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write(
              ("GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer "
                      + keys.token("acme")
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(readAll(s)).startsWith("HTTP/1.1 200 ");
    }
    // Liveness on the admin listener too.
    try (Socket s = new Socket("127.0.0.1", gateway.adminPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(readAll(s)).startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void aSixtyFourKibHeaderIs431WithTheJsonError() throws IOException {
    try (Socket s = connect()) {
      String request =
          "GET /x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
              + keys.token("acme")
              + "\r\nX-Big: "
              + "a".repeat(64 * 1024)
              + "\r\n\r\n";
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String response = readAll(s);
      assertThat(response).startsWith("HTTP/1.1 431 ");
      assertThat(response).containsIgnoringCase("content-type: application/json");
      assertThat(body(response).getString("error")).isEqualTo("header_too_large");
    }
    assertThat(upstream.uris).as("nothing reached the upstream").doesNotContain("/x");
    assertServing();
  }

  @Test
  void malformedRequestLinesAre400AndTheProcessLives() throws IOException {
    for (String line :
        List.of(
            "GARBAGE\r\n\r\n",
            "GET /x HTTP/1.1 trailing-junk\r\nHost: t\r\n\r\n",
            "\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n",
            "GET /x HTTP/1.1\r\nNo colon in this header line\r\n\r\n")) {
      try (Socket s = connect()) {
        s.getOutputStream().write(line.getBytes(StandardCharsets.ISO_8859_1));
        String response = readAll(s);
        // HTTP/1.0 when the line named no version Netty understands.
        assertThat(response).as("answer to %s", line).matches("(?s)HTTP/1\\.[01] 400 .*");
        assertThat(body(response).getString("error")).isEqualTo("invalid_request");
      }
    }
    assertServing();
  }

  /**
   * Well-formed framing, bad content: an HTTP/1.1 request without Host (RFC 9112 §3.2: 400), a path
   * with an invalid percent-escape, on authenticated and public routes. 400 invalid_request with
   * the JSON body and a request id, never a 500; nothing is forwarded.
   */
  @Test
  void aMissingHostOrABadPercentEscapeIs400NotA500() throws IOException {
    String token = keys.token("acme");
    for (String request :
        List.of(
            "GET /nohost HTTP/1.1\r\nConnection: close\r\nAuthorization: Bearer "
                + token
                + "\r\n\r\n",
            "GET /x%zz HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer "
                + token
                + "\r\n\r\n",
            "GET /%E0%A4%A HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            "GET /a%2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            "GET /two-hosts HTTP/1.1\r\nHost: evil\r\nHost: good\r\nConnection: close\r\n\r\n",
            // not an absolute path: vertx-web refuses it before step 1 (request id minted there)
            "GET x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")) {
      try (Socket s = connect()) {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        String response = readAll(s);
        assertThat(response).as("answer to %s", request).startsWith("HTTP/1.1 400 ");
        JsonObject body = body(response);
        assertThat(body.getString("error")).isEqualTo("invalid_request");
        assertThat(body.getString("request_id")).isNotBlank();
      }
    }
    assertThat(upstream.uris).doesNotContain("/nohost");
    assertServing();
  }

  /**
   * A well-formed line naming an HTTP version Vert.x does not speak: Vert.x itself answers (501,
   * empty body, before any handler of ours runs) and closes. Not the SPEC's JSON 4xx (a known
   * deviation, see the issue note), but nothing is forwarded and the process lives.
   */
  @Test
  void anUnknownHttpVersionIsClosedWithoutReachingTheUpstream() throws IOException {
    try (Socket s = connect()) {
      s.getOutputStream()
          .write("GET /v99 HTTP/9.9\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readAll(s)).doesNotStartWith("HTTP/1.1 200").doesNotContain("/v99");
    }
    assertThat(upstream.uris).doesNotContain("/v99");
    assertServing();
  }

  double openConnections() {
    return gateway.registry().get("portcullis.proxy.connections").gauge().value();
  }

  @Test
  void twoThousandIdleConnectionsOpenedAndDroppedLeaveTheServiceUnaffected() throws Exception {
    for (int round = 0; round < 2; round++) {
      List<Socket> idle = new ArrayList<>();
      try {
        for (int i = 0; i < 2_000; i++) {
          idle.add(connect());
        }
        // The newest of the 2000 was admitted: it gets an answer.
        Socket last = idle.get(idle.size() - 1);
        last.getOutputStream()
            .write(
                "GET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(readAll(last)).as("round %d", round).startsWith("HTTP/1.1 401 ");
      } finally {
        for (Socket s : idle) {
          // Dropped, not closed politely: RST instead of FIN.
          s.setSoLinger(true, 0);
          s.close();
        }
      }
      // Round 2 opens 2000 again under a limit of 2100: it passes only if every dropped
      // connection was released from the count. The server sees the resets asynchronously: wait
      // for the count to come down rather than race it.
      io.portcullis.gateway.state.Await.until(
          () -> openConnections() < 100, java.time.Duration.ofSeconds(10), "connections released");
    }
    assertServing();
  }

  @Test
  void aSlowLorisClientIsCutOffByTheHeaderReadTimeout() throws Exception {
    byte[] head =
        ("GET /x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                + keys.token("acme")
                + "\r\n"
                + "X-Pad: "
                + "p".repeat(200)
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      s.setSoTimeout(50);
      InputStream in = s.getInputStream();
      long started = System.nanoTime();
      boolean closed = false;
      int sent = 0;
      // One byte every 50 ms: never idle for the idle timeout, yet the head takes ~25 s.
      while (sent < head.length && System.nanoTime() - started < 15_000_000_000L) {
        try {
          out.write(head[sent++]);
          out.flush();
        } catch (SocketException e) {
          closed = true;
          break;
        }
        try {
          if (in.read() < 0) {
            closed = true;
            break;
          }
          throw new AssertionError("the server answered a request it never fully received");
        } catch (SocketTimeoutException stillOpen) {
          // nothing yet
        } catch (SocketException e) {
          closed = true;
          break;
        }
      }
      assertThat(closed).as("cut off before the head was complete").isTrue();
      assertThat(sent).isLessThan(head.length);
    }
    assertServing();
  }
}

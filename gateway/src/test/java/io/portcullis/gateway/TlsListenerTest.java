package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.lifecycle.StartupFailure;
import io.portcullis.gateway.support.SelfSigned;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the proxy listener from PEM files: served, and a rotated certificate is served to new
 * connections without a restart; a half-rotated (mismatched) pair is not.
 */
class TlsListenerTest {
  @TempDir Path dir;
  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  Path cert;
  Path key;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    cert = dir.resolve("tls.crt");
    key = dir.resolve("tls.key");
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  Gateway gateway() {
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_UPSTREAM", upstream.url());
    env.put("PORTCULLIS_TLS_CERT", cert.toString());
    env.put("PORTCULLIS_TLS_KEY", key.toString());
    env.put("PORTCULLIS_TLS_RELOAD_INTERVAL", "100ms");
    return Gateway.builder(TestGateways.config(null, keys, env)).vertx(vertx).instances(2).build();
  }

  /** Like a rotation by cert-manager or a Secret volume: each file replaced in one step. */
  void install(SelfSigned pair, boolean certificate, boolean privateKey) throws Exception {
    if (privateKey) {
      replace(key, pair.keyPem());
    }
    if (certificate) {
      replace(cert, pair.certPem());
    }
  }

  void replace(Path target, String text) throws Exception {
    Path tmp = Files.writeString(Files.createTempFile(dir, "new", ".pem"), text);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static SSLContext trustAll() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        new SecureRandom());
    return ctx;
  }

  /** A fresh TLS connection: the subject the server presented, and its answer to a request. */
  record Served(String subject, String response) {}

  Served request(Gateway g) throws Exception {
    try (SSLSocket s =
        (SSLSocket) trustAll().getSocketFactory().createSocket("127.0.0.1", g.proxyPort())) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      String subject =
          ((X509Certificate) s.getSession().getPeerCertificates()[0])
              .getSubjectX500Principal()
              .getName();
      s.getOutputStream()
          .write(
              ("GET /tls HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer "
                      + keys.token("acme")
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      in.transferTo(out);
      return new Served(subject, out.toString(StandardCharsets.ISO_8859_1));
    }
  }

  /** Every new connection (spread over both listener instances) shows {@code cn}, within 10 s. */
  void awaitServed(Gateway g, String cn) throws Exception {
    Instant until = Instant.now().plus(Duration.ofSeconds(10));
    String last = null;
    while (Instant.now().isBefore(until)) {
      boolean all = true;
      for (int i = 0; i < 6; i++) {
        last = request(g).subject();
        all &= last.equals("CN=" + cn);
      }
      if (all) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("still serving " + last + ", expected CN=" + cn);
  }

  @Test
  void servesTlsAndARotatedCertificateWithoutRestart() throws Exception {
    SelfSigned first = SelfSigned.generate(dir, "first");
    SelfSigned second = SelfSigned.generate(dir, "second");
    SelfSigned third = SelfSigned.generate(dir, "third");
    install(first, true, true);
    Gateway g = await(gateway().start());

    Served served = request(g);
    assertThat(served.subject()).isEqualTo("CN=first");
    assertThat(served.response()).startsWith("HTTP/1.1 200 ");
    MultiMap seen = upstream.received.poll(5, TimeUnit.SECONDS);
    assertThat(seen).isNotNull();
    assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("https");

    install(second, true, true);
    awaitServed(g, "second");

    // Half a rotation: the new certificate with the old key. Never served; the old pair stays.
    install(third, true, false);
    Thread.sleep(500); // several reload intervals: the mismatched pair was looked at
    for (int i = 0; i < 4; i++) {
      assertThat(request(g).subject()).isEqualTo("CN=second");
    }
    install(third, false, true);
    awaitServed(g, "third");
    await(g.stop());
  }

  @Test
  void aBadCertificateFailsStartupNamingTls() throws Exception {
    Files.writeString(cert, "not a certificate");
    Files.writeString(key, SelfSigned.generate(dir, "k").keyPem());
    var started = gateway().start();
    await(started.transform(ar -> io.vertx.core.Future.succeededFuture()));
    assertThat(started.failed()).isTrue();
    assertThatThrownBy(
            () -> {
              throw started.cause();
            })
        .isInstanceOf(StartupFailure.class)
        .hasMessageStartingWith("tls: " + cert);
    assertThat(((StartupFailure) started.cause()).component()).isEqualTo("tls");
  }
}

package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code PORTCULLIS_TRANSPORT=nio} puts the gateway's own Vert.x on java.nio, and it serves as
 * before. (The default, epoll on Linux, carries ForwardingTest's traffic.)
 */
class TransportTest {
  Vertx vertx;
  TestUpstream upstream;
  final TestKeys keys = new TestKeys("k1");

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void onlyANativeTransportThatWasAskedForAndFailedIsAWarning() {
    Throwable cause = new UnsatisfiedLinkError("no libnetty_transport_native_epoll in /tmp");
    assertThat(Gateway.nativeMissing(GatewayConfig.Transport.NATIVE, "nio", cause)).isTrue();
    assertThat(Gateway.nativeMissing(GatewayConfig.Transport.NATIVE, "epoll", null)).isFalse();
    // java.nio by choice: the operator's (PORTCULLIS_TRANSPORT=nio) or an embedding Vert.x's
    assertThat(Gateway.nativeMissing(GatewayConfig.Transport.NIO, "nio", cause)).isFalse();
    assertThat(Gateway.nativeMissing(GatewayConfig.Transport.NATIVE, "nio", null)).isFalse();
  }

  @Test
  void aJavaNioVertxReportsNoCauseSoItIsNoWarning() {
    // the test's own Vert.x: default options, java.nio
    assertThat(vertx.isNativeTransportEnabled()).isFalse();
    assertThat(vertx.unavailableNativeTransportCause()).isNull();
  }

  @Test
  void nioOnRequestServesTraffic() {
    GatewayConfig config =
        TestGateways.config(
            "upstream: " + upstream.url() + "\n", keys, Map.of("PORTCULLIS_TRANSPORT", "nio"));
    Gateway gateway = await(Gateway.builder(config).clock(Clock.systemUTC()).build().start());
    try {
      assertThat(gateway.vertx().isNativeTransportEnabled()).isFalse();
      assertThat(Gateway.transportInUse(gateway.vertx())).isEqualTo("nio");
      HttpResponse<Buffer> r =
          await(
              WebClient.create(vertx)
                  .get(gateway.proxyPort(), "127.0.0.1", "/anything")
                  .putHeader("Authorization", "Bearer " + keys.token("acme"))
                  .send());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(upstream.received).isNotEmpty();
    } finally {
      await(gateway.stop());
    }
  }
}

package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/**
 * The response direction of {@link HeaderRules}; the request direction runs in GatewayProxyTest.
 */
class HeaderRulesTest {
  @Test
  void hopByHopAndConnectionNamedHeadersStayBehind() {
    MultiMap upstream =
        HttpHeaders.headers()
            .add("Content-Type", "text/plain")
            .add("Connection", "close, X-Private")
            .add("connection", "X-Other")
            .add("x-private", "a")
            .add("X-Other", "b")
            .add("Keep-Alive", "timeout=5")
            .add("Transfer-Encoding", "chunked")
            .add("Proxy-Authenticate", "Basic")
            .add("Set-Cookie", "a=1")
            .add("Set-Cookie", "b=2")
            .add("X-Request-Id", "upstream-id");
    MultiMap out = HttpHeaders.headers();
    HeaderRules.toClient(upstream, out, false);
    assertThat(out.names()).containsExactlyInAnyOrder("Content-Type", "Set-Cookie");
    assertThat(out.getAll("Set-Cookie")).containsExactly("a=1", "b=2");
  }

  @Test
  void anUpgradeAnswerKeepsItsUpgradeHeaders() {
    MultiMap upstream =
        HttpHeaders.headers()
            .add("Upgrade", "websocket")
            .add("Connection", "Upgrade")
            .add("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            .add("X-Request-Id", "upstream-id");
    MultiMap out = HttpHeaders.headers();
    HeaderRules.toClient(upstream, out, true);
    assertThat(out.names())
        .containsExactlyInAnyOrder("Upgrade", "Connection", "Sec-WebSocket-Accept");
  }
}

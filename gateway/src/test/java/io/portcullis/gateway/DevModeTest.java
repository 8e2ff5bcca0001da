package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.config.ConfigException;
import io.portcullis.gateway.config.ConfigLoader;
import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.dev.DevMode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** --dev starts with nothing configured and the token it prints works through the proxy. */
class DevModeTest {

  @Test
  void printedTokenWorksThroughTheProxyAndTheEchoShowsInjectedHeaders() {
    Vertx vertx = Vertx.vertx();
    try {
      GatewayConfig config =
          ConfigLoader.parse(
              null, Map.of("PORTCULLIS_PORT", "0", "PORTCULLIS_ADMIN_PORT", "0"), true);
      DevMode.Instance dev = await(DevMode.start(vertx, config, Clock.systemUTC()));
      // Take the token and URL from the printed curl line, as a user would.
      Matcher m =
          Pattern.compile("curl -H \"Authorization: Bearer (\\S+)\" (http://localhost:\\d+/\\S*)")
              .matcher(dev.banner());
      assertThat(m.find()).as(dev.banner()).isTrue();
      String token = m.group(1);
      assertThat(m.group(2)).contains(":" + dev.gateway().proxyPort() + "/");
      HttpResponse<Buffer> r =
          await(
              WebClient.create(vertx)
                  .getAbs(m.group(2).replace("localhost", "127.0.0.1"))
                  .putHeader("Authorization", "Bearer " + token)
                  .putHeader("X-Subject", "spoofed")
                  .send());
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject headers = new JsonObject(r.bodyAsString()).getJsonObject("headers");
      assertThat(headers.getString("X-Org-Id")).isEqualTo(DevMode.ORG);
      assertThat(headers.getString("X-Subject")).isEqualTo("dev-user");
      assertThat(headers.getString("X-Client-Id")).isEqualTo("dev-cli");
      HttpResponse<Buffer> ready =
          await(
              WebClient.create(vertx)
                  .get(dev.gateway().adminPort(), "127.0.0.1", "/readyz")
                  .send());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(dev.gateway().config().state().dataDir().toString()).contains("portcullis-dev-");
      await(dev.gateway().stop());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void refusedInProduction() {
    GatewayConfig config = ConfigLoader.parse(null, Map.of("PORTCULLIS_ENV", "production"), true);
    assertThatThrownBy(() -> DevMode.refuseInProduction(config))
        .isInstanceOf(ConfigException.class)
        .hasMessage("PORTCULLIS_ENV: --dev is refused when PORTCULLIS_ENV=production");
  }
}

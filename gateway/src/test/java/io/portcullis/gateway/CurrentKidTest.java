package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.gateway.admin.AdminApi;
import io.portcullis.gateway.admin.AdminTokens;
import io.portcullis.gateway.state.StateOptions;
import io.portcullis.gateway.state.StateService;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook step "verify JWT_KEY_ID_CURRENT is in JWT_PUBLIC_KEYS_PEM" against a real gateway:
 * with {@code JWT_KEY_ID_CURRENT=k9} and only k1 configured, {@code /readyz} is 503 and its keys
 * check names k9, {@code /healthz} stays 200 (liveness checks no dependency: a restart would not
 * help), {@code portcullis_keyset_current_kid_present} is 0, and {@code GET /admin/v1/keys} shows
 * the current kid and that it is missing. Tokens signed with k1 still pass: the pod is out of
 * rotation, not broken.
 */
class CurrentKidTest {
  private static final String ADMIN_SECRET = "ops-secret-for-the-current-kid-test";

  @TempDir Path dir;
  Vertx vertx;
  TestUpstream upstream;
  WebClient web;
  StateService state;
  Gateway gateway;
  TestKeys k1 = new TestKeys("k1");

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    web = WebClient.create(vertx);
    state =
        StateService.create(
            vertx,
            StateOptions.of(null, dir, null),
            Clock.systemUTC(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await(state.start());
    await(state.loaded());
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      await(gateway.stop());
    }
    await(state.close());
    await(vertx.close());
  }

  void startGateway(String currentKid) {
    var config =
        TestGateways.config(
            "upstream: " + upstream.url() + "\n", k1, Map.of("JWT_KEY_ID_CURRENT", currentKid));
    gateway =
        await(
            Gateway.builder(config)
                .vertx(vertx)
                .instances(1)
                .adminApi(
                    g ->
                        AdminApi.create(
                            g.vertx(),
                            state,
                            g.keySet(),
                            AdminTokens.parse("ops=" + ADMIN_SECRET),
                            Clock.systemUTC(),
                            config.rateLimits().defaultPolicy()))
                .build()
                .start());
  }

  HttpResponse<Buffer> admin(String path) {
    return await(
        web.get(gateway.adminPort(), "127.0.0.1", path)
            .putHeader("Authorization", "Bearer " + ADMIN_SECRET)
            .send());
  }

  @Test
  void aCurrentKidMissingFromThePemKeysFailsReadinessNamingIt() {
    startGateway("k9");

    HttpResponse<Buffer> ready = admin("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonObject body = ready.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("not_ready");
    JsonObject keysCheck = body.getJsonObject("checks").getJsonObject("keys");
    assertThat(keysCheck.getString("status")).isEqualTo("down");
    assertThat(keysCheck.getString("detail")).contains("k9");

    assertThat(admin("/healthz").statusCode()).isEqualTo(200);
    assertThat(admin("/metrics").bodyAsString())
        .contains("\nportcullis_keyset_current_kid_present 0.0\n");

    JsonObject keys = admin("/admin/v1/keys").bodyAsJsonObject();
    assertThat(keys.getString("current_kid")).isEqualTo("k9");
    assertThat(keys.getBoolean("current_kid_present")).isFalse();
    assertThat(keys.getJsonArray("keys").getJsonObject(0).getString("kid")).isEqualTo("k1");

    // still serving tokens of the keys it has
    HttpResponse<Buffer> whoami =
        await(
            web.get(gateway.proxyPort(), "127.0.0.1", "/_portcullis/whoami")
                .putHeader("Authorization", "Bearer " + k1.token("acme"))
                .send());
    assertThat(whoami.statusCode()).isEqualTo(200);
  }

  @Test
  void aCurrentKidInThePemKeysIsReady() {
    startGateway("k1");
    assertThat(admin("/readyz").statusCode()).isEqualTo(200);
    assertThat(admin("/metrics").bodyAsString())
        .contains("\nportcullis_keyset_current_kid_present 1.0\n")
        .contains("\nportcullis_keyset_current_kid_revoked 0.0\n");
    JsonObject keys = admin("/admin/v1/keys").bodyAsJsonObject();
    assertThat(keys.getString("current_kid")).isEqualTo("k1");
    assertThat(keys.getBoolean("current_kid_present")).isTrue();
    assertThat(keys.getBoolean("current_kid_revoked")).isFalse();
  }
}

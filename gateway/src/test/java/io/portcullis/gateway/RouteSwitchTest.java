package io.portcullis.gateway;

import static io.portcullis.gateway.support.Edge.assertError;
import static io.portcullis.gateway.support.Edge.assertPassed;
import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.support.Edge;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime route switch through the real gateway: a route switched off on the admin API answers
 * 503 {@code route_disabled} on the proxy listener before any token work and never reaches its
 * upstream, while the other routes serve; the switch survives a restart (embedded store).
 */
class RouteSwitchTest {
  static final String SECRET = "ops-secret-0123456789";
  static final String ORGS = "/orgs/{org}/";

  @TempDir Path dataDir;
  final TestKeys keys = new TestKeys("k1");
  Vertx vertx;
  TestUpstream upstream;
  Gateway gateway;
  Edge edge;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    gateway = startGateway();
    edge = new Edge(vertx, gateway, SECRET);
  }

  @AfterEach
  void stop() {
    edge.close();
    if (gateway != null) {
      await(gateway.stop());
    }
    await(vertx.close());
  }

  Gateway startGateway() {
    String yaml =
        """
        routes:
          - path: /orgs/{org}/
            upstream: %s
          - path: /public/
            upstream: %s
            auth: none
          - path: /
            upstream: %s
        """
            .formatted(upstream.url(), upstream.url(), upstream.url());
    GatewayConfig config =
        TestGateways.config(
            yaml,
            keys,
            Map.of(
                "PORTCULLIS_DATA_DIR",
                dataDir.toString(),
                "PORTCULLIS_ADMIN_TOKENS",
                "ops=" + SECRET,
                "PORTCULLIS_AUTH_FAILURE_LIMIT",
                "off"));
    return await(Gateway.builder(config).vertx(vertx).instances(1).build().start());
  }

  String token(String org) {
    return keys.token(org);
  }

  HttpResponse<Buffer> switchRoute(String action, String path, String reason) {
    JsonObject body = new JsonObject().put("path", path);
    if (reason != null) {
      body.put("reason", reason);
    }
    return edge.admin(HttpMethod.POST, "/routes/" + action, body);
  }

  HttpResponse<Buffer> publicGet() {
    WebClient web = WebClient.create(vertx);
    try {
      return await(web.get(gateway.proxyPort(), "127.0.0.1", "/public/page").send());
    } finally {
      web.close();
    }
  }

  @Test
  void aDisabledRouteAnswers503AndNothingReachesItsUpstream() {
    assertPassed(edge.get("/orgs/acme/invoices", token("acme")));
    upstream.uris.clear();

    assertThat(switchRoute("disable", ORGS, "INC-9 suspected cross-tenant read").statusCode())
        .isEqualTo(200);

    HttpResponse<Buffer> refused = edge.get("/orgs/acme/invoices", token("acme"));
    assertError(refused, 503, "route_disabled");
    assertThat(refused.getHeader("X-Request-Id")).isNotBlank();
    // before any token work: no token, a forged token, another tenant's token, all the same 503
    assertError(edge.get("/orgs/acme/invoices", "not-a-token"), 503, "route_disabled");
    assertError(edge.get("/orgs/globex/invoices", token("acme")), 503, "route_disabled");
    assertThat(upstream.uris).isEmpty();

    // the rest of the proxy keeps serving: a longer-prefix miss falls to "/", public routes pass
    assertPassed(edge.get("/api/x", token("acme")));
    assertThat(publicGet().statusCode()).isEqualTo(200);
    assertThat(upstream.uris).containsExactly("/api/x", "/public/page");

    String metrics = edge.adminListener("/metrics").bodyAsString();
    assertThat(metrics).contains("portcullis_revocations_active{type=\"route\"} 1.0");
    assertThat(metrics).containsPattern("portcullis_requests_total\\{code=\"route_disabled\"");

    assertThat(switchRoute("enable", ORGS, "INC-9 fixed").statusCode()).isEqualTo(200);
    assertPassed(edge.get("/orgs/acme/invoices", token("acme")));
  }

  @Test
  void theSwitchSurvivesARestartAndTheWhoamiRouteCannotBeSwitched() {
    assertThat(switchRoute("disable", "/public/", "INC-10 scraping").statusCode()).isEqualTo(200);
    assertThat(publicGet().statusCode()).isEqualTo(503);
    assertThat(switchRoute("disable", "/_portcullis/whoami", "x").statusCode()).isEqualTo(404);

    await(gateway.stop());
    edge.close();
    gateway = startGateway();
    edge = new Edge(vertx, gateway, SECRET);

    assertThat(publicGet().statusCode()).isEqualTo(503);
    JsonObject listed =
        edge
            .admin(HttpMethod.GET, "/routes", null)
            .bodyAsJsonObject()
            .getJsonArray("routes")
            .stream()
            .map(JsonObject.class::cast)
            .filter(r -> r.getString("path").equals("/public/"))
            .findFirst()
            .orElseThrow();
    assertThat(listed.getString("state")).isEqualTo("disabled");
    assertThat(listed.getString("state_reason")).isEqualTo("INC-10 scraping");
    // the switch, and the refused attempt on whoami
    assertThat(
            edge.audit("action=route.disabled").stream()
                .map(e -> ((JsonObject) e).getString("outcome")))
        .containsExactly("success", "not_found");
  }
}

package io.portcullis.gateway;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.support.AccessLogCapture;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.portcullis.testkit.Ports;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A real gateway and a real upstream on port 0: forwarding, header hygiene, every error code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayProxyTest {
  static final String REVOKED_JTI = "revoked-jti";

  Vertx vertx;
  TestUpstream upstream;
  TestKeys keys = new TestKeys("k1");
  TestKeys stranger = new TestKeys("k1"); // same kid, different key: bad signature
  Gateway gateway;
  WebClient client;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    upstream = await(new TestUpstream().start(vertx));
    int down = Ports.free();
    String yaml =
        """
        port: 0
        admin_port: 0
        admin_host: 127.0.0.1
        identity_headers: [X-Tenant]
        auth_failure_limit: "off"
        rate_limit: 100000/s
        routes:
          - path: /orgs/{org}/
            upstream: %1$s
          - path: /reports/
            upstream: %1$s/base
            scopes: [reports:read]
          - path: /public/
            upstream: %1$s
            auth: none
          - path: /slowroute/
            upstream: %1$s
            timeout: 500ms
          - path: /down/
            upstream: http://127.0.0.1:%2$d
          - path: /api/
            upstream: %1$s
          - path: /fwd/
            upstream: %1$s
            forward_token: true
          - path: /small/
            upstream: %1$s
            max_body_size: 1KiB
        """
            .formatted(upstream.url(), down);
    GatewayConfig config =
        TestGateways.config(yaml, keys, Map.of("PORTCULLIS_MAX_BODY_SIZE", "16MiB"));
    gateway =
        await(
            Gateway.builder(config)
                .vertx(vertx)
                .clock(Clock.systemUTC())
                .instances(2)
                .revocationCheck(
                    (token, org) ->
                        REVOKED_JTI.equals(token.jti())
                            ? ErrorCode.TOKEN_REVOKED
                            : "suspended".equals(org) ? ErrorCode.ORG_SUSPENDED : null)
                .build()
                .start());
    client =
        WebClient.create(
            vertx,
            new WebClientOptions().setDefaultPort(gateway.proxyPort()).setDefaultHost("127.0.0.1"));
  }

  @AfterAll
  void stop() {
    await(gateway.stop());
    await(vertx.close());
  }

  HttpResponse<Buffer> get(String path, MultiMap headers) {
    return await(client.request(HttpMethod.GET, path).putHeaders(headers).send());
  }

  MultiMap bearer(String token) {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token);
  }

  MultiMap lastUpstreamHeaders() throws InterruptedException {
    MultiMap h = upstream.received.poll(5, TimeUnit.SECONDS);
    assertThat(h).as("upstream saw the request").isNotNull();
    return h;
  }

  void assertError(HttpResponse<Buffer> r, int status, String code, String challenge) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/json");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo(code);
    assertThat(body.getString("message")).isNotBlank();
    assertThat(body.getString("request_id")).isEqualTo(r.getHeader("X-Request-Id")).isNotBlank();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message", "request_id");
    assertThat(r.getHeader("WWW-Authenticate")).isEqualTo(challenge);
  }

  @Test
  void forwardsWithIdentityFromVerifiedClaimsOnlyAndHeaderHygiene() throws Exception {
    upstream.received.clear();
    upstream.uris.clear();
    MultiMap h =
        bearer(keys.token("acme"))
            .add("X-Org-Id", "acme") // equal to the claim: allowed, but never forwarded as sent
            .add("X-Subject", "admin")
            .add("X-Client-Id", "evil")
            .add("X-Scopes", "everything")
            .add("X-Tenant", "other")
            .add("X-Forwarded-For", "10.9.9.9")
            .add("X-Request-Id", "req-123")
            .add("Connection", "keep-alive, X-Hop")
            .add("X-Hop", "secret-hop")
            .add("Keep-Alive", "timeout=5")
            .add("Proxy-Authorization", "Basic Zm9vOmJhcg==");
    HttpResponse<Buffer> r = get("/api/things?x=1", h);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().getAll("X-Request-Id")).containsExactly("req-123");
    MultiMap seen = lastUpstreamHeaders();
    assertThat(upstream.uris.poll()).isEqualTo("/api/things?x=1");
    assertThat(seen.getAll("X-Org-Id")).containsExactly("acme");
    assertThat(seen.getAll("X-Subject")).containsExactly("u1");
    assertThat(seen.getAll("X-Client-Id")).containsExactly("c1");
    assertThat(seen.getAll("X-Scopes")).containsExactly("read write");
    assertThat(seen.contains("X-Tenant")).isFalse();
    assertThat(seen.get("X-Forwarded-For")).isEqualTo("10.9.9.9, 127.0.0.1");
    assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(seen.get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + gateway.proxyPort());
    assertThat(seen.get("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(seen.get("X-Request-Id")).isEqualTo("req-123");
    assertThat(seen.get("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(seen.contains("X-Hop")).isFalse();
    assertThat(seen.contains("Keep-Alive")).isFalse();
    assertThat(seen.contains("Proxy-Authorization")).isFalse();
    // the validated token is consumed here, not replayed to the upstream (Envoy's forward: false)
    assertThat(seen.contains("Authorization")).isFalse();
  }

  @Test
  void aRouteWithForwardTokenPassesTheValidatedTokenOn() throws Exception {
    upstream.received.clear();
    String token = keys.token("acme");
    assertThat(get("/fwd/x", bearer(token)).statusCode()).isEqualTo(200);
    MultiMap seen = lastUpstreamHeaders();
    assertThat(seen.getAll("Authorization")).containsExactly("Bearer " + token);
    assertThat(seen.get("X-Org-Id")).isEqualTo("acme");
  }

  @Test
  void aPublicRoutePassesTheClientsOwnAuthorizationUntouched() throws Exception {
    upstream.received.clear();
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic dTpw");
    assertThat(get("/public/login", h).statusCode()).isEqualTo(200);
    assertThat(lastUpstreamHeaders().getAll("Authorization")).containsExactly("Basic dTpw");
  }

  @Test
  void aPublicRouteStripsIdentityHeadersAndSetsNone() throws Exception {
    upstream.received.clear();
    MultiMap h =
        MultiMap.caseInsensitiveMultiMap()
            .add("X-Org-Id", "acme")
            .add("X-Subject", "admin")
            .add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    HttpResponse<Buffer> r = get("/public/page", h);
    assertThat(r.statusCode()).isEqualTo(200);
    MultiMap seen = lastUpstreamHeaders();
    assertThat(seen.contains("X-Org-Id")).isFalse();
    assertThat(seen.contains("X-Subject")).isFalse();
    assertThat(seen.get("traceparent"))
        .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assertThat(seen.get("X-Request-Id")).matches("[0-9a-f]{32}");
  }

  @Test
  void routeBasePathAndOrgPathParameter() throws Exception {
    upstream.received.clear();
    upstream.uris.clear();
    HttpResponse<Buffer> r =
        get(
            "/reports/daily",
            bearer(
                keys.token(
                    Map.of("org_id", "acme", "scope", "reports:read"),
                    Instant.now().plusSeconds(60))));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(upstream.uris.poll(5, TimeUnit.SECONDS)).isEqualTo("/base/reports/daily");
    assertThat(get("/orgs/acme/invoices", bearer(keys.token("acme"))).statusCode()).isEqualTo(200);
  }

  @Test
  void responseHopByHopHeadersAreRemoved() {
    HttpResponse<Buffer> r =
        await(
            client
                .request(HttpMethod.POST, "/api/echo")
                .putHeaders(bearer(keys.token("acme")))
                .sendBuffer(Buffer.buffer("hello")));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsString()).isEqualTo("hello");
    assertThat(r.getHeader("X-Upstream-Private")).isNull();
    assertThat(r.getHeader("Keep-Alive")).isNull();
  }

  @Test
  void missingToken() {
    assertError(
        get("/api/x", MultiMap.caseInsensitiveMultiMap()),
        401,
        "missing_token",
        "Bearer realm=\"portcullis\"");
    assertError(
        get("/api/x", MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic dTpw")),
        401,
        "missing_token",
        "Bearer realm=\"portcullis\"");
  }

  @Test
  void malformedOrRepeatedAuthorizationIsInvalidRequest() {
    String challenge = "Bearer realm=\"portcullis\", error=\"invalid_request\"";
    assertError(
        get("/api/x", MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer")),
        400,
        "invalid_request",
        challenge);
    assertError(
        get("/api/x", MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer    ")),
        400,
        "invalid_request",
        challenge);
    String t = keys.token("acme");
    assertError(
        get(
            "/api/x",
            MultiMap.caseInsensitiveMultiMap()
                .add("Authorization", "Bearer " + t)
                .add("Authorization", "Bearer " + t)),
        400,
        "invalid_request",
        challenge);
  }

  @Test
  void tokenFailuresMapToSpecCodes() {
    String invalid = "Bearer realm=\"portcullis\", error=\"invalid_token\"";
    assertError(get("/api/x", bearer("not.a.jwt")), 401, "invalid_token", invalid);
    assertError(get("/api/x", bearer(stranger.token("acme"))), 401, "invalid_token", invalid);
    assertError(
        get(
            "/api/x",
            bearer(keys.token(Map.of("org_id", "acme"), Instant.now().minusSeconds(3600)))),
        401,
        "token_expired",
        invalid);
    assertError(
        get(
            "/api/x",
            bearer(
                keys.token(
                    "nobody-knows", Map.of("org_id", "acme"), Instant.now().plusSeconds(60)))),
        401,
        "unknown_key",
        invalid);
    assertError(
        get(
            "/api/x",
            bearer(
                keys.token(
                    Map.of("org_id", "acme", "jti", REVOKED_JTI), Instant.now().plusSeconds(60)))),
        401,
        "token_revoked",
        invalid);
  }

  @Test
  void tenantContextFailsClosed() {
    assertError(
        get("/api/x", bearer(keys.token(Map.of(), Instant.now().plusSeconds(60)))),
        403,
        "org_context_missing",
        null);
    assertError(
        get("/api/x", bearer(keys.token("bad org/../x"))), 403, "org_context_missing", null);
    assertError(
        get("/api/x", bearer(keys.token(Map.of("org_id", 42), Instant.now().plusSeconds(60)))),
        403,
        "org_context_missing",
        null);
    assertError(get("/orgs/other/invoices", bearer(keys.token("acme"))), 403, "org_mismatch", null);
    assertError(
        get("/api/x", bearer(keys.token("acme")).add("X-Org-Id", "other")),
        403,
        "org_mismatch",
        null);
    assertError(get("/api/x", bearer(keys.token("suspended"))), 403, "org_suspended", null);
  }

  @Test
  void routeScopesAreEnforced() {
    assertError(
        get("/reports/daily", bearer(keys.token("acme"))),
        403,
        "insufficient_scope",
        "Bearer realm=\"portcullis\", error=\"insufficient_scope\"");
  }

  @Test
  void noRoute() {
    assertError(get("/nowhere", bearer(keys.token("acme"))), 404, "no_route", null);
    // The admin listener's paths are not served here.
    assertError(get("/healthz", MultiMap.caseInsensitiveMultiMap()), 404, "no_route", null);
    assertError(get("/metrics", MultiMap.caseInsensitiveMultiMap()), 404, "no_route", null);
    // Normalized before matching: a public prefix cannot smuggle an authenticated path.
    assertError(
        get("/public/../api/x", MultiMap.caseInsensitiveMultiMap()),
        401,
        "missing_token",
        "Bearer realm=\"portcullis\"");
  }

  @Test
  void headerOver8KiBIs431() {
    HttpResponse<Buffer> r =
        get("/api/x", bearer(keys.token("acme")).add("X-Big", "a".repeat(9 * 1024)));
    assertThat(r.statusCode()).isEqualTo(431);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("header_too_large");
  }

  @Test
  void bodyOverTheLimitIs413() {
    HttpResponse<Buffer> r =
        await(
            client
                .request(HttpMethod.POST, "/api/echo")
                .putHeaders(bearer(keys.token("acme")))
                .sendBuffer(Buffer.buffer(new byte[17 * 1024 * 1024])));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
  }

  @Test
  void upstreamDownIs502() {
    assertError(get("/down/x", bearer(keys.token("acme"))), 502, "upstream_unavailable", null);
  }

  @Test
  void upstreamSlowIs504() {
    assertError(get("/slowroute/slow", bearer(keys.token("acme"))), 504, "upstream_timeout", null);
  }

  @Test
  void upstreamErrorStatusPassesThrough() {
    HttpResponse<Buffer> r = get("/api/status?code=503", bearer(keys.token("acme")));
    assertThat(r.statusCode()).isEqualTo(503);
  }

  @Test
  void whoamiAnswersTheIdentityWithoutForwarding() {
    upstream.received.clear();
    String token =
        keys.token(Map.of("org_id", "acme", "jti", "jti-who-1"), Instant.now().plusSeconds(600));
    HttpResponse<Buffer> r = get("/_portcullis/whoami", bearer(token).add("X-Request-Id", "who-1"));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("org")).isEqualTo("acme");
    assertThat(body.getString("sub")).isEqualTo("u1");
    assertThat(body.getString("client")).isEqualTo("c1");
    assertThat(body.getJsonArray("scopes").getList()).isEqualTo(List.of("read", "write"));
    assertThat(body.getString("kid")).isEqualTo("k1");
    assertThat(body.getString("iss")).isEqualTo(TestKeys.ISSUER);
    assertThat(body.getLong("exp")).isGreaterThan(Instant.now().getEpochSecond());
    assertThat(body.getString("request_id")).isEqualTo("who-1");
    // with exp, what POST /admin/v1/revocations {"jti","exp"} needs: no decoding by hand
    assertThat(body.getString("jti")).isEqualTo("jti-who-1");
    assertThat(upstream.received).isEmpty();
    assertError(
        get("/_portcullis/whoami", MultiMap.caseInsensitiveMultiMap()),
        401,
        "missing_token",
        "Bearer realm=\"portcullis\"");
  }

  @Test
  void metricsCountRequestsByRouteAndCode() {
    get("/nowhere", MultiMap.caseInsensitiveMultiMap());
    get("/api/x", bearer(keys.token("acme")));
    HttpResponse<Buffer> m =
        await(WebClient.create(vertx).get(gateway.adminPort(), "127.0.0.1", "/metrics").send());
    assertThat(m.statusCode()).isEqualTo(200);
    String text = m.bodyAsString();
    assertThat(text)
        .contains("portcullis_requests_total{code=\"no_route\",route=\"none\"}")
        .contains("portcullis_requests_total{code=\"ok\",route=\"/api/\"}")
        .contains("portcullis_request_duration_seconds_bucket{route=\"/api/\"")
        .contains("portcullis_upstream_duration_seconds_bucket{route=\"/api/\"")
        .contains("portcullis_auth_results_total{result=\"ok\"}")
        .contains("portcullis_auth_results_total{result=\"bad_signature\"}")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage");
  }

  @Test
  void streamsTenMebibytesBothWays() throws Exception {
    byte[] payload = new byte[10 * 1024 * 1024];
    new java.util.Random(42).nextBytes(payload);
    HttpResponse<Buffer> up =
        await(
            client
                .request(HttpMethod.POST, "/api/echo")
                .putHeaders(bearer(keys.token("acme")))
                .sendBuffer(Buffer.buffer(payload)));
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.body().length()).isEqualTo(payload.length);
    assertThat(sha256(up.body().getBytes())).isEqualTo(sha256(payload));

    HttpResponse<Buffer> down = get("/api/big?bytes=" + payload.length, bearer(keys.token("acme")));
    assertThat(down.statusCode()).isEqualTo(200);
    assertThat(down.body().length()).isEqualTo(payload.length);
  }

  @Test
  void webSocketUpgradePassesWithIdentityHeaders() throws Exception {
    upstream.received.clear();
    var ws =
        await(
            vertx
                .createWebSocketClient()
                .connect(
                    new io.vertx.core.http.WebSocketConnectOptions()
                        .setHost("127.0.0.1")
                        .setPort(gateway.proxyPort())
                        .setURI("/api/ws")
                        .addHeader("Authorization", "Bearer " + keys.token("acme"))
                        .addHeader("X-Subject", "spoofed")));
    io.vertx.core.Promise<String> echoed = io.vertx.core.Promise.promise();
    ws.textMessageHandler(echoed::tryComplete);
    ws.writeTextMessage("hello through portcullis");
    assertThat(await(echoed.future())).isEqualTo("hello through portcullis");
    await(ws.close());
    MultiMap seen = lastUpstreamHeaders();
    assertThat(seen.get("X-Org-Id")).isEqualTo("acme");
    assertThat(seen.getAll("X-Subject")).containsExactly("u1");
  }

  @Test
  void aWebSocketUpgradeWithoutATokenIsRefused() {
    HttpResponse<Buffer> r =
        get(
            "/api/ws",
            MultiMap.caseInsensitiveMultiMap()
                .add("Connection", "Upgrade")
                .add("Upgrade", "websocket")
                .add("Sec-WebSocket-Version", "13")
                .add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="));
    assertError(r, 401, "missing_token", "Bearer realm=\"portcullis\"");
  }

  @Test
  void accessLogNamesTheTenantOfASignedButRefusedTokenNeverOfAForgedOne() throws Exception {
    try (AccessLogCapture log = new AccessLogCapture()) {
      String expired =
          keys.token(Map.of("org_id", "acme"), java.time.Instant.now().minusSeconds(120));
      String signed = keys.token("acme");
      // the same payload under a signature that does not verify
      String forged = signed.substring(0, signed.lastIndexOf('.') + 1) + "AAAA";
      assertThat(get("/api/x", bearer(expired).add("X-Request-Id", "exp-1")).statusCode())
          .isEqualTo(401);
      assertThat(get("/api/x", bearer(forged).add("X-Request-Id", "forged-1")).statusCode())
          .isEqualTo(401);
      List<String> lines =
          log.awaitAtLeast(2).stream().map(GatewayProxyTest::accessFields).toList();
      assertThat(lines)
          .anySatisfy(l -> assertThat(l).contains("requestId=exp-1 ", "org=acme", "auth=expired"));
      assertThat(lines)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains(
                          "requestId=forged-1 ",
                          "org=null",
                          "auth=bad_signature",
                          "sub=null ",
                          "kid=null "));
    }
  }

  /**
   * A verified token refused at step 5 (revoked, tenant suspended) is logged with its tenant,
   * subject, client and kid: on-call finds "which tenant keeps calling while suspended" and whom to
   * revoke next, from the access log alone.
   */
  @Test
  void accessLogNamesTheCallerOfAVerifiedButRefusedToken() throws Exception {
    try (AccessLogCapture log = new AccessLogCapture()) {
      String revoked =
          keys.token(Map.of("org_id", "acme", "jti", REVOKED_JTI), Instant.now().plusSeconds(60));
      assertThat(get("/api/x", bearer(revoked).add("X-Request-Id", "rev-1")).statusCode())
          .isEqualTo(401);
      assertThat(
              get("/api/x", bearer(keys.token("suspended")).add("X-Request-Id", "susp-1"))
                  .statusCode())
          .isEqualTo(403);
      List<String> lines =
          log.awaitAtLeast(2).stream().map(GatewayProxyTest::accessFields).toList();
      assertThat(lines)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains(
                          "requestId=rev-1 ",
                          "org=acme ",
                          "auth=token_revoked ",
                          "sub=u1 ",
                          "clientId=c1 ",
                          "kid=" + keys.kid + " "));
      assertThat(lines)
          .anySatisfy(
              l ->
                  assertThat(l)
                      .contains(
                          "requestId=susp-1 ", "org=suspended ", "auth=org_suspended ", "sub=u1 "));
    }
  }

  @Test
  void accessLogNamesTheTokenOnlyByItsFingerprint() throws Exception {
    try (AccessLogCapture log = new AccessLogCapture()) {
      String token = keys.token("acme");
      HttpResponse<Buffer> r = get("/api/logged", bearer(token).add("X-Request-Id", "log-1"));
      assertThat(r.statusCode()).isEqualTo(200);
      get("/api/logged", bearer(token + "x").add("X-Request-Id", "log-2"));
      var events = log.awaitAtLeast(2);
      assertThat(events).hasSizeGreaterThanOrEqualTo(2);
      String all =
          events.stream()
              .map(e -> accessFields(e) + e.getFormattedMessage())
              .reduce("", String::concat);
      assertThat(all).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
      assertThat(all).doesNotContain(token.substring(0, token.indexOf('.')));
      String ok =
          events.stream()
              .map(GatewayProxyTest::accessFields)
              .filter(f -> f.contains("requestId=log-1 "))
              .findFirst()
              .orElseThrow();
      assertThat(ok)
          .contains("route=/api/", "status=200", "code=ok", "org=acme", "auth=ok", "sub=u1 ")
          .containsPattern("tokenFp=[0-9a-f]{12} ")
          .contains("method=GET", "path=/api/logged");
    }
  }

  /** Every field of the event's access line, {@code name=value }. */
  private static String accessFields(ch.qos.logback.classic.spi.ILoggingEvent e) {
    StringBuilder sb = new StringBuilder();
    for (Object arg : e.getArgumentArray()) {
      var line = (io.portcullis.gateway.log.AccessLine) arg;
      for (var c : io.portcullis.gateway.log.AccessLine.class.getRecordComponents()) {
        try {
          sb.append(c.getName()).append('=').append(c.getAccessor().invoke(line)).append(' ');
        } catch (ReflectiveOperationException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    return sb.toString();
  }

  @Test
  void chunkedBodiesAreBoundedWhileStreaming(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path small = dir.resolve("small");
    java.nio.file.Path big = dir.resolve("big");
    java.nio.file.Files.write(small, new byte[1024 * 1024]);
    java.nio.file.Files.write(big, new byte[17 * 1024 * 1024]);
    var opts = new io.vertx.core.file.OpenOptions().setRead(true);
    // No Content-Length: WebClient streams a ReadStream chunked.
    HttpResponse<Buffer> ok =
        await(
            client
                .request(HttpMethod.POST, "/api/echo")
                .putHeaders(bearer(keys.token("acme")))
                .sendStream(await(vertx.fileSystem().open(small.toString(), opts))));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body().length()).isEqualTo(1024 * 1024);
    HttpResponse<Buffer> tooBig =
        await(
            client
                .request(HttpMethod.POST, "/api/slowecho")
                .putHeaders(bearer(keys.token("acme")))
                .sendStream(await(vertx.fileSystem().open(big.toString(), opts))));
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(tooBig.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
  }

  @Test
  void aRouteBoundsItsOwnBodies(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    Buffer twoKib = Buffer.buffer(new byte[2048]);
    HttpResponse<Buffer> declared =
        await(
            client
                .request(HttpMethod.POST, "/small/echo")
                .putHeaders(bearer(keys.token("acme")))
                .sendBuffer(twoKib));
    assertError(declared, 413, "payload_too_large", null);
    assertThat(declared.bodyAsJsonObject().getString("message"))
        .isEqualTo("request body larger than 1024 bytes");
    // Chunked: cut while streaming, at the route's bound.
    java.nio.file.Path file = java.nio.file.Files.write(dir.resolve("b"), new byte[4096]);
    HttpResponse<Buffer> chunked =
        await(
            client
                .request(HttpMethod.POST, "/small/slowecho")
                .putHeaders(bearer(keys.token("acme")))
                .sendStream(
                    await(
                        vertx
                            .fileSystem()
                            .open(file.toString(), new io.vertx.core.file.OpenOptions()))));
    assertThat(chunked.statusCode()).isEqualTo(413);
    // The same body on a route under the server-wide bound (16 MiB here) passes.
    HttpResponse<Buffer> elsewhere =
        await(
            client
                .request(HttpMethod.POST, "/api/echo")
                .putHeaders(bearer(keys.token("acme")))
                .sendBuffer(twoKib));
    assertThat(elsewhere.statusCode()).isEqualTo(200);
    assertThat(elsewhere.body().length()).isEqualTo(2048);
  }

  static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}

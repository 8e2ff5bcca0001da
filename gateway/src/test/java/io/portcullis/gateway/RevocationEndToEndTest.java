package io.portcullis.gateway;

import static io.portcullis.gateway.support.Edge.assertError;
import static io.portcullis.gateway.support.Edge.assertPassed;
import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.state.Await;
import io.portcullis.gateway.state.MutableClock;
import io.portcullis.gateway.support.Edge;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 through the real gateway: an in-process gateway (embedded store in a temp dir) in front
 * of a real upstream; revocations, suspensions and overrides made on its admin API are enforced on
 * its proxy listener, for a token sent before the change (so already in the verified-token cache)
 * and after it. Time moves on an injected clock.
 */
class RevocationEndToEndTest {
  static final String SECRET = "ops-secret-0123456789";

  @TempDir Path dataDir;
  final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  final TestKeys k1 = new TestKeys("k1");
  final TestKeys k2 = new TestKeys("k2");
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
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_UPSTREAM", upstream.url());
    env.put("PORTCULLIS_DATA_DIR", dataDir.toString());
    env.put("PORTCULLIS_ADMIN_TOKENS", "ops=" + SECRET);
    // Both kids published by the PEM source; k2 is the one revoked below.
    env.put(
        "JWT_PUBLIC_KEYS_PEM",
        new JsonObject().put(k1.kid, k1.pem()).put(k2.kid, k2.pem()).encode());
    env.put("RL_OVERRIDES_JSON", "{\"org:rl\": \"1000/min\"}");
    // Revoked tokens are authentication failures: keep the per-IP budget out of these tests.
    env.put("PORTCULLIS_AUTH_FAILURE_LIMIT", "off");
    GatewayConfig config = TestGateways.config(null, k1, env);
    return await(Gateway.builder(config).vertx(vertx).clock(clock).instances(1).build().start());
  }

  /** A token of (org, sub) issued {@code iat}, expiring in an hour of the test clock. */
  String token(TestKeys key, String org, String sub, String jti, Instant iat) {
    return key.token(
        Map.of("org_id", org, "sub", sub, "jti", jti, "iat", iat.getEpochSecond()),
        clock.instant().plusSeconds(3600));
  }

  String token(String org, String sub) {
    return token(k1, org, sub, UUID.randomUUID().toString(), clock.instant().minusSeconds(10));
  }

  double cacheHits() {
    return gateway
        .registry()
        .get("portcullis.token.cache.requests")
        .tag("result", "hit")
        .counter()
        .count();
  }

  double authResults(String result) {
    return gateway
        .registry()
        .get("portcullis.auth.results")
        .tag("result", result)
        .counter()
        .count();
  }

  HttpResponse<Buffer> post(String path, JsonObject body) {
    return edge.admin(HttpMethod.POST, path, body);
  }

  /** Sends the same token twice: the second is answered from the verified-token cache. */
  void passesTwiceSecondFromCache(String token) {
    assertPassed(edge.get("/api/x", token));
    double hits = cacheHits();
    assertPassed(edge.get("/api/x", token));
    assertThat(cacheHits()).isEqualTo(hits + 1);
  }

  /** The refused request was answered from the cache: revocation runs on cached tokens too. */
  HttpResponse<Buffer> getCached(String token) {
    double hits = cacheHits();
    HttpResponse<Buffer> r = edge.get("/api/x", token);
    assertThat(cacheHits()).as("answered from the token cache").isEqualTo(hits + 1);
    return r;
  }

  @Test
  void revokingAJtiRefusesThatTokenOnly() {
    String jti = "jti-" + UUID.randomUUID();
    String leaked = token(k1, "acme", "alice", jti, clock.instant().minusSeconds(10));
    String other = token("acme", "alice");
    passesTwiceSecondFromCache(leaked);

    HttpResponse<Buffer> revoked =
        post(
            "/revocations",
            new JsonObject()
                .put("jti", jti)
                .put("exp", clock.instant().plusSeconds(3600).getEpochSecond())
                .put("reason", "pasted in a ticket"));
    assertThat(revoked.statusCode()).as(revoked.bodyAsString()).isEqualTo(201);

    double ok = authResults("ok");
    double revokedCount = authResults("token_revoked");
    HttpResponse<Buffer> refused = getCached(leaked);
    assertError(refused, 401, "token_revoked");
    assertThat(refused.getHeader("WWW-Authenticate"))
        .isEqualTo("Bearer realm=\"portcullis\", error=\"invalid_token\"");
    // on-call classifies 401s by this one metric: the refusal is token_revoked, never also ok
    assertThat(authResults("token_revoked")).isEqualTo(revokedCount + 1);
    assertThat(authResults("ok")).isEqualTo(ok);
    assertPassed(edge.get("/api/x", other));
    assertThat(authResults("ok")).isEqualTo(ok + 1);
  }

  @Test
  void revokingAUsersSessionsRefusesTheirTokensUntilTheCutOff() {
    String alice = token("acme", "alice");
    String bob = token("acme", "bob");
    String aliceElsewhere = token("globex", "alice");
    passesTwiceSecondFromCache(alice);

    HttpResponse<Buffer> r =
        post(
            "/revocations",
            new JsonObject().put("sub", "alice").put("org", "acme").put("reason", "device lost"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);

    assertError(getCached(alice), 401, "token_revoked");
    // issued in the same second as the cut-off: cannot be proved later, so revoked
    assertError(
        edge.get("/api/x", token(k1, "acme", "alice", "j-same", clock.instant())),
        401,
        "token_revoked");
    assertPassed(edge.get("/api/x", bob));
    assertPassed(edge.get("/api/x", aliceElsewhere)); // sub is unique per tenant only

    clock.advance(Duration.ofSeconds(2)); // alice signs in again after the cut-off
    String fresh = token(k1, "acme", "alice", "j-fresh", clock.instant());
    passesTwiceSecondFromCache(fresh);
  }

  @Test
  void revokingATenantsSessionsRefusesEveryTokenOfItIssuedBefore() {
    String a = token("initech", "a");
    String b = token("initech", "b");
    String outsider = token("acme", "a");
    passesTwiceSecondFromCache(a);

    HttpResponse<Buffer> withoutReason =
        post("/revocations", new JsonObject().put("org", "initech"));
    assertError(withoutReason, 400, "invalid_request");
    assertThat(withoutReason.bodyAsJsonObject().getString("message")).startsWith("reason:");
    assertPassed(edge.get("/api/x", a)); // a refused call changes nothing

    HttpResponse<Buffer> r =
        post("/revocations", new JsonObject().put("org", "initech").put("reason", "breach"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);

    assertError(getCached(a), 401, "token_revoked");
    assertError(edge.get("/api/x", b), 401, "token_revoked");
    assertPassed(edge.get("/api/x", outsider));

    clock.advance(Duration.ofSeconds(2));
    passesTwiceSecondFromCache(token(k1, "initech", "a", "j-after", clock.instant()));
  }

  @Test
  void revokingAKidRefusesCachedTokensWhileTheSourceStillPublishesIt() {
    String signedByK2 = token(k2, "acme", "alice", "j-k2", clock.instant().minusSeconds(10));
    passesTwiceSecondFromCache(signedByK2);

    HttpResponse<Buffer> r =
        post("/keys/k2/revoke", new JsonObject().put("reason", "private key leaked"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);

    assertError(edge.get("/api/x", signedByK2), 401, "key_revoked");
    // a token k2 signed that was never seen before: refused as well
    assertError(
        edge.get("/api/x", token(k2, "acme", "bob", "j-k2-new", clock.instant())),
        401,
        "key_revoked");
    // the PEM source still publishes k2; the admin view says it is revoked
    JsonArray keys =
        edge.admin(HttpMethod.GET, "/keys", null).bodyAsJsonObject().getJsonArray("keys");
    assertThat(gateway.keySet().keys()).anyMatch(k -> k.kid().equals("k2"));
    assertThat(
            keys.stream()
                .map(JsonObject.class::cast)
                .filter(k -> k.getString("kid").equals("k2"))
                .map(k -> k.getString("state")))
        .containsExactly("revoked");
    passesTwiceSecondFromCache(token("acme", "alice")); // k1 unaffected
  }

  @Test
  void suspendRefusesTheTenantAndResumeLetsItBackAudited() {
    String t = token("umbrella", "u");
    passesTwiceSecondFromCache(t);

    assertError(post("/tenants/umbrella/suspend", new JsonObject()), 400, "invalid_request");
    HttpResponse<Buffer> s =
        post("/tenants/umbrella/suspend", new JsonObject().put("reason", "abuse"));
    assertThat(s.statusCode()).as(s.bodyAsString()).isEqualTo(200);
    double suspended = authResults("org_suspended");
    assertError(getCached(t), 403, "org_suspended");
    assertThat(authResults("org_suspended")).isEqualTo(suspended + 1);
    assertPassed(edge.get("/api/x", token("acme", "u")));

    HttpResponse<Buffer> resumed =
        post("/tenants/umbrella/resume", new JsonObject().put("reason", "fixed"));
    assertThat(resumed.statusCode()).as(resumed.bodyAsString()).isEqualTo(200);
    assertPassed(getCached(t));

    JsonArray audit = edge.audit("org=umbrella&action=tenant.resumed");
    assertThat(audit).hasSize(1);
    JsonObject event = audit.getJsonObject(0);
    assertThat(event.getString("actor")).isEqualTo("ops");
    assertThat(event.getString("outcome")).isEqualTo("success");
    assertThat(event.getString("reason")).isEqualTo("fixed");
    // the refused attempt (no reason) is the tenant's too, then the suspension
    assertThat(edge.audit("org=umbrella&action=tenant.suspended").stream())
        .map(e -> ((JsonObject) e).getString("outcome"))
        .containsExactly("invalid", "success");
  }

  @Test
  void anAdminRateLimitOverrideAppliesOnTheNextRequestsAndItsRemovalFallsBackToTheEnvOne() {
    String t = token("rl", "u");
    HttpResponse<Buffer> before = edge.get("/api/x", t);
    assertPassed(before);
    assertThat(before.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=1000;w=60");

    HttpResponse<Buffer> put =
        edge.admin(
            HttpMethod.PUT,
            "/rate-limits/org:rl",
            new JsonObject().put("limit", "3/min").put("reason", "noisy"));
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);

    // the admin override wins over RL_OVERRIDES_JSON's; the bucket keeps its tokens, capped at the
    // new burst (3), so three more pass and the fourth is limited
    HttpResponse<Buffer> first = getCached(t);
    assertPassed(first);
    assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=3;w=60");
    assertPassed(edge.get("/api/x", t));
    assertPassed(edge.get("/api/x", t));
    HttpResponse<Buffer> limited = edge.get("/api/x", t);
    assertError(limited, 429, "rate_limited");
    assertThat(limited.getHeader("Retry-After")).isNotBlank();

    HttpResponse<Buffer> del = edge.admin(HttpMethod.DELETE, "/rate-limits/org:rl", null);
    assertThat(del.statusCode()).as(del.bodyAsString()).isEqualTo(200);
    // RL_OVERRIDES_JSON's 1000/min is back at once; the bucket keeps its (empty) level under it
    // and refills from this request on, so a second later requests pass again
    HttpResponse<Buffer> restored = edge.get("/api/x", t);
    assertThat(restored.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=1000;w=60");
    clock.advance(Duration.ofSeconds(1));
    HttpResponse<Buffer> after = edge.get("/api/x", t);
    assertPassed(after);
    assertThat(after.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=1000;w=60");
    assertThat(edge.audit("action=ratelimit.override_set&org=rl")).hasSize(1);
    assertThat(edge.audit("action=ratelimit.override_removed&org=rl")).hasSize(1);
  }

  @Test
  void everythingIsStillEnforcedAfterARestartOnTheEmbeddedStore() {
    String jti = "jti-restart";
    String leaked = token(k1, "acme", "a", jti, clock.instant().minusSeconds(10));
    String suspended = token("hooli", "h");
    String rl = token("rl", "u");
    post(
        "/revocations",
        new JsonObject()
            .put("jti", jti)
            .put("exp", clock.instant().plusSeconds(3600).getEpochSecond()));
    post("/tenants/hooli/suspend", new JsonObject().put("reason", "abuse"));
    post("/keys/k2/revoke", new JsonObject().put("reason", "leak"));
    edge.admin(HttpMethod.PUT, "/rate-limits/org:rl", new JsonObject().put("limit", "1/min"));

    edge.close();
    await(gateway.stop());
    gateway = startGateway(); // same PORTCULLIS_DATA_DIR
    edge = new Edge(vertx, gateway, SECRET);

    // start() completes after the load with the embedded store: ready at once
    HttpResponse<Buffer> ready = edge.adminListener("/readyz");
    assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
    assertThat(
            ready
                .bodyAsJsonObject()
                .getJsonObject("checks")
                .getJsonObject("revocations")
                .getString("status"))
        .isEqualTo("up");
    assertError(edge.get("/api/x", leaked), 401, "token_revoked");
    assertError(edge.get("/api/x", suspended), 403, "org_suspended");
    assertError(
        edge.get("/api/x", token(k2, "acme", "a", "j-k2", clock.instant())), 401, "key_revoked");
    HttpResponse<Buffer> first = edge.get("/api/x", rl);
    assertPassed(first);
    assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"override_org\";q=1;w=60");
    assertError(edge.get("/api/x", rl), 429, "rate_limited");
    assertPassed(edge.get("/api/x", token("acme", "b")));
  }

  @Test
  void theLastSyncGaugeHasItsContractNameAndTheTimeOfTheLastCatchUp() {
    assertThat(edge.adminListener("/metrics").bodyAsString())
        .contains("# TYPE portcullis_revocation_last_sync_timestamp_seconds gauge");
    assertThat(lastSync()).isEqualTo((double) clock.instant().getEpochSecond());
    // the periodic catch-up (every 2 s by default) stamps the injected clock's time
    clock.advance(Duration.ofSeconds(7));
    double expected = clock.instant().getEpochSecond();
    Await.until(() -> lastSync() == expected, Duration.ofSeconds(10), "a catch-up after 7 s");
  }

  double lastSync() {
    Matcher m =
        Pattern.compile("(?m)^portcullis_revocation_last_sync_timestamp_seconds (\\S+)$")
            .matcher(edge.adminListener("/metrics").bodyAsString());
    assertThat(m.find()).as("gauge exported").isTrue();
    return Double.parseDouble(m.group(1));
  }
}

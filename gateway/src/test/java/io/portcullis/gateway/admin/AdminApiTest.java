package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.state.AuditEvent;
import io.portcullis.gateway.state.AuditQuery;
import io.portcullis.gateway.state.Await;
import io.portcullis.gateway.state.MutableClock;
import io.portcullis.keyset.VerifiedToken;
import io.portcullis.ratelimit.RateLimitPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every admin endpoint over real HTTP, on the embedded store. */
class AdminApiTest {
  static final String SECRET = "s3cret-ops-token-0001";
  static final String OTHER_SECRET = "s3cret-sre-token-0002";
  static final Instant NOW = Instant.parse("2026-03-01T10:00:30Z");

  @TempDir Path dir;
  Vertx vertx;
  MutableClock clock;
  AdminHarness admin;
  WebClient client;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clock = new MutableClock(NOW);
    admin =
        new AdminHarness(
            vertx,
            AdminHarness.embedded(dir),
            AdminTokens.parse("ops=" + SECRET + ",sre=" + OTHER_SECRET),
            clock);
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    client.close();
    admin.close();
    Await.result(vertx.close());
  }

  HttpResponse<Buffer> call(HttpMethod method, String path, String secret, Object body) {
    var req = client.request(method, admin.port(), "127.0.0.1", "/admin/v1" + path);
    if (secret != null) {
      req.putHeader("Authorization", "Bearer " + secret);
    }
    req.putHeader("X-Request-Id", "req-" + path.hashCode());
    if (body == null) {
      return Await.result(req.send());
    }
    return Await.result(req.sendBuffer(Buffer.buffer(body.toString())));
  }

  HttpResponse<Buffer> post(String path, Object body) {
    return call(HttpMethod.POST, path, SECRET, body);
  }

  HttpResponse<Buffer> get(String path) {
    return call(HttpMethod.GET, path, SECRET, null);
  }

  List<AuditEvent> audit() {
    return Await.all(
        Await.result(
            admin.state.exportAudit(new AuditQuery(Instant.EPOCH, Instant.MAX, null, null))));
  }

  static void assertBad(HttpResponse<Buffer> r, String field) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("invalid_request");
    assertThat(body.getString("message")).startsWith(field + ":");
  }

  static VerifiedToken token(String org, String sub, String kid, String jti, Instant iat) {
    return new VerifiedToken(
        kid,
        "RS256",
        "https://idp",
        sub,
        List.of("api"),
        NOW.plusSeconds(3600),
        iat,
        jti,
        Map.of("org_id", org),
        "fp");
  }

  // ---- authentication -------------------------------------------------------------------------

  @Test
  void everyCallNeedsAnAdminSecretAndFailuresAreAuditedWithoutTheSecret() {
    HttpResponse<Buffer> none = call(HttpMethod.GET, "/keys", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
    assertThat(none.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"portcullis\"");

    HttpResponse<Buffer> wrong =
        call(HttpMethod.POST, "/keys/k1/revoke", "wrong-secret-123456", "{}");
    assertThat(wrong.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> basic =
        Await.result(
            client
                .get(admin.port(), "127.0.0.1", "/admin/v1/keys")
                .putHeader("Authorization", "Basic " + SECRET)
                .send());
    assertThat(basic.statusCode()).isEqualTo(401);

    List<AuditEvent> events = audit();
    assertThat(events).hasSize(3);
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.action()).isEqualTo("admin.auth_failed");
              assertThat(e.actor()).isEqualTo("anonymous");
              assertThat(e.outcome()).isEqualTo("denied");
              assertThat(e.source()).isEqualTo("127.0.0.1");
            });
    assertThat(events.get(1).target()).isEqualTo("POST /admin/v1/keys/k1/revoke");
    assertThat(events.toString()).doesNotContain("wrong-secret").doesNotContain(SECRET);
    assertThat(get("/keys").statusCode()).isEqualTo(200);
  }

  @Test
  void noConfiguredTokensRefuseEveryCall() {
    try (AdminHarness closed =
        new AdminHarness(
            vertx, AdminHarness.embedded(dir.resolve("other")), AdminTokens.none(), clock)) {
      for (String secret : new String[] {null, "", SECRET}) {
        var req = client.get(closed.port(), "127.0.0.1", "/admin/v1/keys");
        if (secret != null) {
          req.putHeader("Authorization", "Bearer " + secret);
        }
        HttpResponse<Buffer> r = Await.result(req.send());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.bodyAsJsonObject().getString("message")).contains("PORTCULLIS_ADMIN_TOKENS");
      }
    }
  }

  @Test
  void pastTenFailuresAMinuteTheAddressGets429ForTheRestOfTheMinute() {
    for (int i = 0; i < 10; i++) {
      assertThat(call(HttpMethod.GET, "/keys", "guess-" + i + "-xxxxxxxxxx", null).statusCode())
          .isEqualTo(401);
    }
    HttpResponse<Buffer> limited = call(HttpMethod.GET, "/keys", "guess-11-xxxxxxxxxx", null);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(Integer.parseInt(limited.getHeader("Retry-After"))).isBetween(1, 30);
    // even the right secret, for the rest of that minute
    assertThat(get("/keys").statusCode()).isEqualTo(429);
    List<AuditEvent> events = audit();
    assertThat(events).hasSize(11);
    assertThat(events.subList(0, 10)).extracting(AuditEvent::outcome).containsOnly("denied");
    assertThat(events.get(10).outcome()).isEqualTo("rate_limited");
    assertThat(events.get(10).action()).isEqualTo("admin.auth_failed");
    assertThat(suppressed()).isEqualTo(1.0);

    clock.advance(Duration.ofSeconds(30)); // the next minute
    assertThat(get("/keys").statusCode()).isEqualTo(200);
  }

  double suppressed() {
    return admin.registry.get("portcullis.admin.auth.failures.suppressed").counter().count();
  }

  @Test
  void aFloodInThe429WindowIsAuditedOncePerWindowAndCounted() {
    for (int i = 0; i < 10; i++) {
      call(HttpMethod.GET, "/keys", "guess-" + i + "-xxxxxxxxxx", null);
    }
    for (int i = 0; i < 50; i++) {
      assertThat(call(HttpMethod.POST, "/keys/refresh", "flood-xxxxxxxxxxxxx", "{}").statusCode())
          .isEqualTo(429);
    }
    assertThat(audit()).hasSize(11);
    assertThat(suppressed()).isEqualTo(49.0);
    assertThat(admin.registry.scrape())
        .contains("portcullis_admin_auth_failures_suppressed_total 49.0");

    // the next window: ten more failures are audited one by one, then again one rate_limited
    clock.advance(Duration.ofSeconds(30));
    for (int i = 0; i < 10; i++) {
      assertThat(call(HttpMethod.GET, "/keys", "again-" + i + "-xxxxxxxxxx", null).statusCode())
          .isEqualTo(401);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(call(HttpMethod.GET, "/keys", SECRET, null).statusCode()).isEqualTo(429);
    }
    List<AuditEvent> events = audit();
    assertThat(events).hasSize(22);
    assertThat(events.subList(11, 21)).extracting(AuditEvent::outcome).containsOnly("denied");
    assertThat(events.get(21).outcome()).isEqualTo("rate_limited");
    assertThat(suppressed()).isEqualTo(53.0);
  }

  // ---- revocations ----------------------------------------------------------------------------

  @Test
  void revokeOneTokenByJti() {
    long exp = NOW.plusSeconds(600).getEpochSecond();
    HttpResponse<Buffer> r =
        post("/revocations", new JsonObject().put("jti", "j-1").put("exp", exp));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    assertThat(r.bodyAsJsonObject().getString("type")).isEqualTo("jti");
    assertThat(r.bodyAsJsonObject().getLong("revision")).isPositive();
    assertThat(admin.state.snapshot().check(token("acme", "a", "k1", "j-1", NOW), "acme"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(admin.state.snapshot().check(token("acme", "a", "k1", "j-2", NOW), "acme")).isNull();
    AuditEvent e = audit().get(0);
    assertThat(e.action()).isEqualTo("token.revoked");
    assertThat(e.actor()).isEqualTo("ops");
    assertThat(e.target()).isEqualTo("jti:j-1");
    assertThat(e.requestId()).isEqualTo("req-" + "/revocations".hashCode());
    assertThat(e.outcome()).isEqualTo("success");
  }

  /**
   * A subject the limiter cannot take is refused, never stored (it used to poison every later
   * override); equal subjects in two spellings are one; a reason cannot carry NUL (PostgreSQL text
   * cannot hold it); curl -d's form-encoded body of over 1 KiB is read as JSON like any other.
   */
  @Test
  void overrideSubjectsAreValidatedAndCanonicalReasonsPlainBodiesAnyType() {
    for (String bad : List.of("ip:abc", "ip:999.1.1.1", "ip:127.0.0.0%2F24")) {
      assertBad(
          call(
              HttpMethod.PUT,
              "/rate-limits/" + bad,
              SECRET,
              new JsonObject().put("limit", "5/min")),
          "subject");
    }
    assertThat(admin.state.overrides()).isEmpty();
    call(HttpMethod.PUT, "/rate-limits/ip:%3A%3A1", SECRET, new JsonObject().put("limit", "5/min"));
    assertThat(admin.state.overrides()).containsOnlyKeys("ip:0:0:0:0:0:0:0:1");
    assertThat(
            call(HttpMethod.DELETE, "/rate-limits/ip:0:0:0:0:0:0:0:1", SECRET, null).statusCode())
        .isEqualTo(200);
    assertThat(admin.state.overrides()).isEmpty();

    assertBad(
        post("/tenants/acme/suspend", new JsonObject().put("reason", "INC \u0000 nul")), "reason");
    assertBad(post("/keys/k1/revoke", new JsonObject().put("reason", "a\u001b[31mred")), "reason");

    HttpResponse<Buffer> form =
        Await.result(
            client
                .request(
                    HttpMethod.POST, admin.port(), "127.0.0.1", "/admin/v1/tenants/acme/suspend")
                .putHeader("Authorization", "Bearer " + SECRET)
                .putHeader("Content-Type", "application/x-www-form-urlencoded")
                .sendBuffer(
                    Buffer.buffer(new JsonObject().put("reason", "é".repeat(600)).encode())));
    assertThat(form.statusCode()).as(form.bodyAsString()).isEqualTo(200);
  }

  /** Access reviews: the admin names (never a secret) and when each last called here. */
  @Test
  void theAdminNamesAreListedWithoutSecrets() {
    HttpResponse<Buffer> r = get("/admins");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getJsonArray("admins")).hasSize(2);
    JsonObject ops = body.getJsonArray("admins").getJsonObject(0);
    assertThat(ops.getString("name")).isEqualTo("ops");
    assertThat(ops.getString("last_call_here")).isEqualTo(NOW.toString());
    JsonObject sre = body.getJsonArray("admins").getJsonObject(1);
    assertThat(sre.getString("name")).isEqualTo("sre");
    assertThat(sre.getString("last_call_here")).isNull(); // never called here
    assertThat(r.bodyAsString()).doesNotContain(SECRET).doesNotContain(OTHER_SECRET);
    // listings refuse filters they would ignore, as the audit export does
    assertBad(get("/admins?foo=1"), "foo");
    assertBad(get("/revocations?all=true"), "all");
    assertBad(get("/revocations?org=acme&org=globex"), "org");
    assertBad(get("/tenants?status=suspended"), "status");
    assertBad(get("/keys?kid=k1"), "kid");
    assertThat(audit()).extracting(AuditEvent::action).contains("admins.listed");
  }

  /** A field given twice would act on the last value, not the one the operator read: 400. */
  @Test
  void aFieldGivenTwiceIsRefusedAndChangesNothing() {
    assertBad(
        post("/revocations", "{\"org\":\"acme\",\"reason\":\"x\",\"org\":\"globex\"}"), "org");
    assertBad(
        post("/tenants/acme/suspend", "{\"reason\":\"a\",\"nested\":{},\"reason\":\"b\"}"),
        "reason");
    assertThat(admin.state.snapshot().entries(io.portcullis.gateway.state.StateEntry.Kind.TENANT))
        .isEmpty();
    assertThat(admin.state.snapshot().suspension("acme")).isNull();
    // the same names in different objects are not duplicates; malformed JSON still says so
    assertBad(post("/tenants/acme/suspend", "{\"reason\":"), "body");
  }

  /**
   * A compromise with unknown blast radius: every session of every tenant issued at or before now
   * is refused; new sign-ins pass; reason required; the sentinel never shows up as a tenant.
   */
  @Test
  void everySessionOfEveryTenantCanBeRevokedAtOnce() {
    assertBad(post("/revocations", new JsonObject().put("all", true)), "reason");
    assertBad(post("/revocations", new JsonObject().put("all", false).put("reason", "x")), "all");
    assertBad(
        post(
            "/revocations",
            new JsonObject().put("all", true).put("org", "acme").put("reason", "x")),
        "org");
    HttpResponse<Buffer> r =
        post("/revocations", new JsonObject().put("all", true).put("reason", "INC-200 idp breach"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    assertThat(r.bodyAsJsonObject().getBoolean("all")).isTrue();
    var snapshot = admin.state.snapshot();
    assertThat(snapshot.check(token("acme", "a", "k1", "j1", NOW.minusSeconds(1)), "acme"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snapshot.check(token("globex", "b", "k2", "j2", NOW), "globex"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snapshot.check(token("globex", "b", "k2", "j3", NOW.plusSeconds(1)), "globex"))
        .as("a sign-in after the cut-off")
        .isNull();
    assertThat(get("/tenants").bodyAsJsonObject().getJsonArray("tenants").stream())
        .map(t -> ((JsonObject) t).getString("org"))
        .containsExactly("envtenant"); // the configured override's tenant; no "*"
    // "why is acme refused?": its view and its revocation listing show the every-tenant cut-off
    assertThat(get("/tenants/acme").bodyAsJsonObject().getString("sessions_revoked_before"))
        .isEqualTo(NOW.toString());
    assertThat(get("/revocations?org=acme").bodyAsJsonObject().getJsonArray("revocations"))
        .hasSize(1)
        .allSatisfy(e -> assertThat(((JsonObject) e).getBoolean("all")).isTrue());
    assertThat(audit())
        .filteredOn(e -> e.outcome().equals("success"))
        .extracting(AuditEvent::action, AuditEvent::target, AuditEvent::reason)
        .contains(
            org.assertj.core.groups.Tuple.tuple("sessions.revoked", "all", "INC-200 idp breach"));
  }

  @Test
  void badRevocationBodiesAre400sNamingTheField() {
    long future = NOW.plusSeconds(600).getEpochSecond();
    assertBad(
        post("/revocations", new JsonObject().put("jti", "j").put("exp", future).put("foo", 1)),
        "foo");
    assertBad(post("/revocations", new JsonObject().put("jti", "j")), "exp");
    assertBad(
        post(
            "/revocations",
            new JsonObject().put("jti", "j").put("exp", NOW.minusSeconds(1).getEpochSecond())),
        "exp");
    assertBad(post("/revocations", new JsonObject().put("jti", "j").put("exp", "tomorrow")), "exp");
    assertBad(
        post("/revocations", new JsonObject().put("jti", "j").put("exp", NOW.toEpochMilli())),
        "exp");
    assertBad(post("/revocations", new JsonObject().put("exp", future)), "exp");
    assertBad(post("/revocations", new JsonObject().put("sub", "alice")), "org");
    assertBad(
        post("/revocations", new JsonObject().put("sub", "alice").put("org", "ac me")), "org");
    assertBad(
        post("/revocations", new JsonObject().put("org", "x".repeat(129)).put("reason", "r")),
        "org");
    assertBad(post("/revocations", new JsonObject()), "jti");
    assertBad(post("/revocations", "not json"), "body");
    assertBad(post("/revocations", "[1,2]"), "body");
    assertBad(post("/revocations", null), "body");
    String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";
    HttpResponse<Buffer> tokenAsJti =
        post("/revocations", new JsonObject().put("jti", jwt).put("exp", future));
    assertBad(tokenAsJti, "jti");
    assertThat(tokenAsJti.bodyAsString()).doesNotContain(jwt);

    List<AuditEvent> events = audit();
    assertThat(events).hasSize(14);
    assertThat(events).extracting(AuditEvent::outcome).containsOnly("invalid");
    assertThat(events.toString()).doesNotContain(jwt);
    assertThat(admin.state.snapshot().revision()).isZero();
  }

  @Test
  void revokeEverySessionOfAUserAndThenOfATenant() {
    HttpResponse<Buffer> user =
        post("/revocations", new JsonObject().put("sub", "alice").put("org", "acme"));
    assertThat(user.statusCode()).isEqualTo(201);
    assertThat(user.bodyAsJsonObject().getString("revoked_before")).isEqualTo(NOW.toString());
    var snap = admin.state.snapshot();
    assertThat(snap.check(token("acme", "alice", "k1", "j", NOW.minusSeconds(5)), "acme"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snap.check(token("acme", "alice", "k1", "j", NOW.plusSeconds(1)), "acme")).isNull();
    assertThat(snap.check(token("other", "alice", "k1", "j", NOW.minusSeconds(5)), "other"))
        .isNull();

    assertBad(post("/revocations", new JsonObject().put("org", "acme")), "reason");
    assertBad(
        post("/revocations", new JsonObject().put("org", "acme").put("reason", "  ")), "reason");
    HttpResponse<Buffer> tenant =
        post("/revocations", new JsonObject().put("org", "acme").put("reason", "breach INC-7"));
    assertThat(tenant.statusCode()).isEqualTo(201);
    assertThat(snap.check(token("acme", "bob", "k1", "j", NOW.minusSeconds(5)), "acme"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snap.check(token("acme", "bob", "k1", "j", NOW.plusSeconds(1)), "acme")).isNull();

    JsonArray listed = get("/revocations?org=acme").bodyAsJsonObject().getJsonArray("revocations");
    assertThat(listed).hasSize(2);
    assertThat(
            get("/revocations?org=acme&sub=alice").bodyAsJsonObject().getJsonArray("revocations"))
        .hasSize(1);
    assertThat(get("/revocations?org=globex").bodyAsJsonObject().getJsonArray("revocations"))
        .isEmpty();
    assertBad(get("/revocations?org=b%20d"), "org");
    assertThat(audit())
        .extracting(AuditEvent::action)
        .containsExactly(
            "sessions.revoked",
            "sessions.revoked",
            "sessions.revoked",
            "sessions.revoked",
            "revocations.listed",
            "revocations.listed",
            "revocations.listed",
            "revocations.listed");
  }

  // ---- keys -----------------------------------------------------------------------------------

  @Test
  void keysListRefreshAndRevoke() {
    JsonObject list = get("/keys").bodyAsJsonObject();
    assertThat(list.getString("current_kid")).isEqualTo("k2");
    assertThat(list.getBoolean("current_kid_present")).isTrue();
    assertThat(list.getJsonArray("keys")).hasSize(2);
    assertThat(list.getJsonArray("sources").getJsonObject(0).getString("last_refresh"))
        .isEqualTo(FakeKeys.SEEN.toString());

    assertThat(post("/keys/refresh", null).statusCode()).isEqualTo(200);
    assertThat(admin.keys.refreshes).hasValue(1);
    admin.keys.refreshFails = true;
    HttpResponse<Buffer> failed = post("/keys/refresh", null);
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(failed.bodyAsJsonObject().getString("error")).isEqualTo("service_unavailable");
    assertThat(failed.bodyAsJsonObject().getString("message")).startsWith("jwks down;");

    assertBad(post("/keys/k1/revoke", null), "reason");
    assertBad(post("/keys/k1/revoke", new JsonObject().put("reason", 5)), "reason");
    HttpResponse<Buffer> revoked =
        post("/keys/k1/revoke", new JsonObject().put("reason", "key leaked"));
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(admin.keys.invalidated).containsExactly("k1");
    assertThat(
            admin.state.snapshot().check(token("acme", "a", "k1", "j", NOW.plusSeconds(5)), "acme"))
        .isEqualTo(ErrorCode.KEY_REVOKED);
    JsonObject after = get("/keys").bodyAsJsonObject();
    assertThat(after.getJsonArray("keys").getJsonObject(0).getString("state")).isEqualTo("revoked");
    assertThat(after.getJsonArray("revoked_kids").getJsonObject(0).getString("reason"))
        .isEqualTo("key leaked");

    assertThat(audit())
        .extracting(AuditEvent::action, AuditEvent::outcome)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("keys.listed", "success"),
            org.assertj.core.groups.Tuple.tuple("keys.refreshed", "success"),
            org.assertj.core.groups.Tuple.tuple("keys.refreshed", "failed"),
            org.assertj.core.groups.Tuple.tuple("key.revoked", "invalid"),
            org.assertj.core.groups.Tuple.tuple("key.revoked", "invalid"),
            org.assertj.core.groups.Tuple.tuple("key.revoked", "success"),
            org.assertj.core.groups.Tuple.tuple("keys.listed", "success"));
  }

  /**
   * A mistyped kid is revoked but flagged (the leaked key would stay trusted); a kid revoked in
   * error, the current one included, can be restored with a reason; restoring what is not revoked
   * is 404.
   */
  @Test
  void aTypoIsFlaggedAndAWrongRevocationCanBeRestored() {
    HttpResponse<Buffer> typo = post("/keys/K1/revoke", new JsonObject().put("reason", "leak"));
    assertThat(typo.statusCode()).isEqualTo(200);
    assertThat(typo.bodyAsJsonObject().getBoolean("in_keyset")).isFalse();
    assertThat(typo.bodyAsJsonObject().getString("warning")).contains("case-sensitive");
    HttpResponse<Buffer> current = post("/keys/k2/revoke", new JsonObject().put("reason", "oops"));
    assertThat(current.bodyAsJsonObject().getBoolean("in_keyset")).isTrue();
    assertThat(current.bodyAsJsonObject().containsKey("warning")).isFalse();
    assertThat(get("/keys").bodyAsJsonObject().getBoolean("current_kid_revoked")).isTrue();

    assertBad(post("/keys/k2/restore", null), "reason");
    HttpResponse<Buffer> restored =
        post("/keys/k2/restore", new JsonObject().put("reason", "INC-124 wrong kid"));
    assertThat(restored.statusCode()).as(restored.bodyAsString()).isEqualTo(200);
    assertThat(restored.bodyAsJsonObject().getBoolean("revoked")).isFalse();
    assertThat(
            admin.state.snapshot().check(token("acme", "a", "k2", "j", NOW.plusSeconds(5)), "acme"))
        .isNull();
    JsonObject keys = get("/keys").bodyAsJsonObject();
    assertThat(keys.getBoolean("current_kid_revoked")).isFalse();
    assertThat(keys.getJsonArray("keys").getJsonObject(1).getString("state")).isEqualTo("active");
    assertThat(keys.getJsonArray("revoked_kids")).hasSize(1); // K1 only
    assertThat(get("/revocations").bodyAsJsonObject().getJsonArray("revocations")).hasSize(1);

    HttpResponse<Buffer> again =
        post("/keys/k2/restore", new JsonObject().put("reason", "INC-124 wrong kid"));
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    assertThat(audit())
        .extracting(AuditEvent::action, AuditEvent::outcome)
        .contains(
            org.assertj.core.groups.Tuple.tuple("key.restored", "invalid"),
            org.assertj.core.groups.Tuple.tuple("key.restored", "success"),
            org.assertj.core.groups.Tuple.tuple("key.restored", "not_found"));
  }

  // ---- tenants --------------------------------------------------------------------------------

  @Test
  void suspendViewAndResumeATenant() {
    assertBad(post("/tenants/acme/suspend", null), "reason");
    assertBad(post("/tenants/ac%20me/suspend", new JsonObject().put("reason", "x")), "org");
    assertThat(post("/tenants/acme/suspend", new JsonObject().put("reason", "abuse")).statusCode())
        .isEqualTo(200);
    assertThat(
            admin.state.snapshot().check(token("acme", "a", "k1", "j", NOW.plusSeconds(1)), "acme"))
        .isEqualTo(ErrorCode.ORG_SUSPENDED);
    JsonObject view = get("/tenants/acme").bodyAsJsonObject();
    assertThat(view.getString("state")).isEqualTo("suspended");
    assertThat(view.getString("state_reason")).isEqualTo("abuse");
    // the tenant's changes and refused attempts, newest first; its own view (a read) is not there
    assertThat(view.getJsonArray("recent_events").stream().map(JsonObject.class::cast))
        .extracting(e -> e.getString("action"), e -> e.getString("outcome"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("tenant.suspended", "success"),
            org.assertj.core.groups.Tuple.tuple("tenant.suspended", "invalid"));

    assertThat(post("/tenants/acme/resume", null).statusCode()).isEqualTo(200);
    assertThat(
            admin.state.snapshot().check(token("acme", "a", "k1", "j", NOW.plusSeconds(1)), "acme"))
        .isNull();
    assertThat(get("/tenants/acme").bodyAsJsonObject().getString("state")).isEqualTo("active");
  }

  @Test
  void theTenantListFindsASuspendedTenantWithoutKnowingItsId() {
    JsonObject initially = get("/tenants").bodyAsJsonObject();
    assertThat(
            initially.getJsonArray("tenants").stream().map(t -> ((JsonObject) t).getString("org")))
        .containsExactly("envtenant"); // RL_OVERRIDES_JSON names it
    assertThat(get("/tenants?state=suspended").bodyAsJsonObject().getJsonArray("tenants"))
        .isEmpty();

    post("/tenants/acme/suspend", new JsonObject().put("reason", "abuse"));
    post("/revocations", new JsonObject().put("org", "beta").put("reason", "leak"));
    call(HttpMethod.PUT, "/rate-limits/org:gamma", SECRET, new JsonObject().put("limit", "5/s"));
    post("/tenants/delta/suspend", new JsonObject().put("reason", "hold"));
    post("/tenants/delta/resume", new JsonObject().put("reason", "released"));

    JsonObject suspended = get("/tenants?state=suspended").bodyAsJsonObject();
    assertThat(suspended.getInteger("total")).isEqualTo(1);
    JsonObject acme = suspended.getJsonArray("tenants").getJsonObject(0);
    assertThat(acme.getString("org")).isEqualTo("acme");
    assertThat(acme.getString("state_reason")).isEqualTo("abuse");
    assertThat(acme.getString("state_since")).isEqualTo(NOW.toString());

    JsonObject all = get("/tenants").bodyAsJsonObject();
    List<String> orgs = new ArrayList<>();
    all.getJsonArray("tenants").forEach(t -> orgs.add(((JsonObject) t).getString("org")));
    assertThat(orgs).containsExactly("acme", "beta", "delta", "envtenant", "gamma");
    JsonObject beta = all.getJsonArray("tenants").getJsonObject(1);
    assertThat(beta.getString("state")).isEqualTo("active");
    assertThat(beta.getString("sessions_revoked_before")).isEqualTo(NOW.toString());
    assertThat(all.getJsonArray("tenants").getJsonObject(2).getString("state")).isEqualTo("active");
    JsonObject gamma = all.getJsonArray("tenants").getJsonObject(4);
    assertThat(gamma.getString("rate_limit")).isEqualTo("5/s");
    assertThat(gamma.getString("rate_limit_source")).isEqualTo("override");
    assertThat(get("/tenants?state=active").bodyAsJsonObject().getInteger("total")).isEqualTo(4);

    JsonObject firstTwo = get("/tenants?limit=2").bodyAsJsonObject();
    assertThat(firstTwo.getJsonArray("tenants")).hasSize(2);
    assertThat(firstTwo.getInteger("total")).isEqualTo(5);
    assertThat(firstTwo.getBoolean("truncated")).isTrue();
    assertBad(get("/tenants?state=decommissioned"), "state");
    assertBad(get("/tenants?limit=0"), "limit");
    assertThat(audit())
        .filteredOn(e -> e.action().equals("tenants.listed"))
        .extracting(AuditEvent::outcome)
        .contains("success", "invalid");
  }

  // ---- routes ---------------------------------------------------------------------------------

  @Test
  void switchARouteOffAndBackOn() {
    JsonObject listed = get("/routes").bodyAsJsonObject();
    List<String> paths = new ArrayList<>();
    listed.getJsonArray("routes").forEach(r -> paths.add(((JsonObject) r).getString("path")));
    assertThat(paths).containsExactly("/orgs/{org}/", "/reports/", "/"); // matching order
    assertThat(listed.getJsonArray("routes").getJsonObject(1).getString("auth")).isEqualTo("none");
    assertThat(listed.getJsonArray("routes").getJsonObject(0).getString("state"))
        .isEqualTo("enabled");

    assertBad(post("/routes/disable", new JsonObject().put("path", "/orgs/{org}/")), "reason");
    assertBad(post("/routes/disable", new JsonObject().put("reason", "x")), "path");
    assertBad(post("/routes/disable", new JsonObject().put("path", 7).put("reason", "x")), "path");
    HttpResponse<Buffer> unknown =
        post("/routes/disable", new JsonObject().put("path", "/orgs/").put("reason", "x"));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getString("message")).contains("GET /admin/v1/routes");
    assertThat(admin.state.snapshot().routeDisabled("/orgs/")).isFalse();

    HttpResponse<Buffer> off =
        post(
            "/routes/disable",
            new JsonObject().put("path", "/orgs/{org}/").put("reason", "INC-7 cross-tenant leak"));
    assertThat(off.statusCode()).as(off.bodyAsString()).isEqualTo(200);
    assertThat(off.bodyAsJsonObject().getBoolean("disabled")).isTrue();
    assertThat(off.bodyAsJsonObject().getString("type")).isEqualTo("route");
    assertThat(admin.state.snapshot().routeDisabled("/orgs/{org}/")).isTrue();
    assertThat(admin.state.snapshot().routeDisabled("/")).isFalse();
    JsonObject orgs = get("/routes").bodyAsJsonObject().getJsonArray("routes").getJsonObject(0);
    assertThat(orgs.getString("state")).isEqualTo("disabled");
    assertThat(orgs.getString("state_reason")).isEqualTo("INC-7 cross-tenant leak");
    assertThat(orgs.getString("state_since")).isEqualTo(NOW.toString());

    assertThat(post("/routes/enable", new JsonObject().put("path", "/orgs/{org}/")).statusCode())
        .isEqualTo(200);
    assertThat(admin.state.snapshot().routeDisabled("/orgs/{org}/")).isFalse();
    assertThat(
            get("/routes")
                .bodyAsJsonObject()
                .getJsonArray("routes")
                .getJsonObject(0)
                .getString("state"))
        .isEqualTo("enabled");

    assertThat(audit())
        .filteredOn(e -> e.action().startsWith("route"))
        .extracting(AuditEvent::action, AuditEvent::target, AuditEvent::outcome)
        .contains(
            org.assertj.core.groups.Tuple.tuple("route.disabled", "route:/orgs/{org}/", "success"),
            org.assertj.core.groups.Tuple.tuple("route.enabled", "route:/orgs/{org}/", "success"),
            org.assertj.core.groups.Tuple.tuple("routes.listed", "routes", "success"),
            org.assertj.core.groups.Tuple.tuple(
                "route.disabled", "POST /admin/v1/routes/disable", "not_found"));
  }

  // ---- rate-limit overrides -------------------------------------------------------------------

  @Test
  void aTenantViewNamesWhereItsLimitComesFrom() {
    JsonObject configured = get("/tenants/envtenant").bodyAsJsonObject();
    assertThat(configured.getString("rate_limit")).isEqualTo("7/s");
    assertThat(configured.getString("rate_limit_source")).isEqualTo("RL_OVERRIDES_JSON");
    JsonObject fallback = get("/tenants/acme").bodyAsJsonObject();
    assertThat(fallback.getString("rate_limit_source")).isEqualTo("default");
  }

  @Test
  void rateLimitOverridesReachTheListener() {
    JsonObject before = get("/tenants/acme").bodyAsJsonObject();
    assertThat(before.getString("rate_limit")).isEqualTo("100/s");
    assertThat(before.getString("rate_limit_source")).isEqualTo("default");
    AtomicReference<Map<String, RateLimitPolicy>> seen = new AtomicReference<>();
    admin.state.onOverridesChanged(seen::set);

    assertBad(
        call(
            HttpMethod.PUT, "/rate-limits/org:acme", SECRET, new JsonObject().put("limit", "lots")),
        "limit");
    assertBad(call(HttpMethod.PUT, "/rate-limits/org:acme", SECRET, new JsonObject()), "limit");
    HttpResponse<Buffer> number =
        call(HttpMethod.PUT, "/rate-limits/org:acme", SECRET, new JsonObject().put("limit", 100));
    assertBad(number, "limit");
    assertThat(number.bodyAsJsonObject().getString("message")).contains("\"100/s\"");
    HttpResponse<Buffer> plus = get("/audit?from=2026-12-07T02:00:00+01:00");
    assertBad(plus, "from");
    assertThat(plus.bodyAsJsonObject().getString("message")).contains("%2B");
    assertBad(
        call(
            HttpMethod.PUT, "/rate-limits/team:acme", SECRET, new JsonObject().put("limit", "5/s")),
        "subject");
    assertBad(
        call(
            HttpMethod.PUT,
            "/rate-limits/org:acme",
            SECRET,
            new JsonObject().put("limit", "5/s").put("burst", 3)),
        "burst");

    HttpResponse<Buffer> set =
        call(
            HttpMethod.PUT,
            "/rate-limits/org:acme",
            SECRET,
            new JsonObject().put("limit", "6000/min burst 200"));
    assertThat(set.statusCode()).isEqualTo(200);
    assertThat(seen.get()).containsEntry("org:acme", RateLimitPolicy.parse("6000/min burst 200"));
    assertThat(get("/rate-limits/org:acme").bodyAsJsonObject().getString("limit"))
        .isEqualTo("6000/min burst 200");
    // the admin one and the configured RL_OVERRIDES_JSON entry, each saying where it comes from
    assertThat(get("/rate-limits").bodyAsJsonObject().getJsonArray("overrides").stream())
        .map(JsonObject.class::cast)
        .extracting(
            o -> o.getString("subject"), o -> o.getString("limit"), o -> o.getString("source"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("org:acme", "6000/min burst 200", "admin"),
            org.assertj.core.groups.Tuple.tuple("org:envtenant", "7/s", "RL_OVERRIDES_JSON"));
    JsonObject configured = get("/rate-limits/org:envtenant").bodyAsJsonObject();
    assertThat(configured.getString("source")).isEqualTo("RL_OVERRIDES_JSON");
    assertThat(configured.getString("org")).isEqualTo("envtenant");
    JsonObject tenant = get("/tenants/acme").bodyAsJsonObject();
    assertThat(tenant.getString("rate_limit")).isEqualTo("6000/min burst 200");
    assertThat(tenant.getString("rate_limit_source")).isEqualTo("override");

    // the default itself, at runtime: every tenant without an override of its own
    assertThat(
            call(
                    HttpMethod.PUT,
                    "/rate-limits/default",
                    SECRET,
                    new JsonObject().put("limit", "500/s"))
                .statusCode())
        .isEqualTo(200);
    assertThat(seen.get()).containsEntry("default", RateLimitPolicy.parse("500/s"));
    JsonObject other = get("/tenants/globex").bodyAsJsonObject();
    assertThat(other.getString("rate_limit")).isEqualTo("500/s");
    assertThat(other.getString("rate_limit_source")).isEqualTo("default_override");
    assertThat(call(HttpMethod.DELETE, "/rate-limits/default", SECRET, null).statusCode())
        .isEqualTo(200);
    assertThat(get("/tenants/globex").bodyAsJsonObject().getString("rate_limit_source"))
        .isEqualTo("default");

    assertThat(call(HttpMethod.DELETE, "/rate-limits/org:acme", SECRET, null).statusCode())
        .isEqualTo(200);
    assertThat(seen.get()).isEmpty();
    assertThat(get("/rate-limits/org:acme").statusCode()).isEqualTo(404);
    HttpResponse<Buffer> again = call(HttpMethod.DELETE, "/rate-limits/org:acme", SECRET, null);
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    assertThat(get("/nowhere").statusCode()).isEqualTo(404);
    // a known path with another method: 405 naming what it takes
    HttpResponse<Buffer> wrong = call(HttpMethod.POST, "/rate-limits/org:acme", SECRET, null);
    assertThat(wrong.statusCode()).isEqualTo(405);
    assertThat(wrong.getHeader("Allow")).isEqualTo("GET, PUT, DELETE");
    assertThat(wrong.bodyAsJsonObject().getString("error")).isEqualTo("method_not_allowed");
    assertThat(call(HttpMethod.DELETE, "/keys", SECRET, null).getHeader("Allow")).isEqualTo("GET");
  }

  // ---- audit ----------------------------------------------------------------------------------

  @Test
  void exactlyOneAuditEventPerCallAndReasonsNeverCarryTokensOrSecrets() {
    post(
        "/tenants/acme/suspend",
        new JsonObject()
            .put("reason", "saw eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.sig and " + OTHER_SECRET));
    post("/keys/k2/revoke", new JsonObject().put("reason", "x"));
    get("/keys");
    call(HttpMethod.GET, "/keys", "nope-nope-nope-nope", null);
    get("/audit?format=csv");
    String jwt = "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.c2lnbmF0dXJl";
    call(HttpMethod.GET, "/keys/" + jwt, "nope-nope-nope-nope", null);
    List<AuditEvent> events = audit();
    assertThat(events.get(5).target()).isEqualTo("GET /admin/v1/keys/[redacted token]");
    assertThat(events.toString()).doesNotContain(jwt);
    events = events.subList(0, 5);
    assertThat(events)
        .extracting(AuditEvent::action)
        .containsExactly(
            "tenant.suspended",
            "key.revoked",
            "keys.listed",
            "admin.auth_failed",
            "audit.exported");
    assertThat(events.get(0).reason()).isEqualTo("saw [redacted token] and [redacted secret]");
    assertThat(events.get(0).org()).isEqualTo("acme");
    assertThat(events.get(1).actor()).isEqualTo("ops");
  }

  @Test
  void exportRoundTripsInJsonAndCsvWithHostileValuesNeutralised() {
    String hostile = "=HYPERLINK(\"http://evil\",\"x\"), then\nnewline";
    post("/tenants/acme/suspend", new JsonObject().put("reason", hostile));
    clock.advance(Duration.ofSeconds(10));
    post("/tenants/acme/resume", new JsonObject().put("reason", "@SUM(1+1)"));
    clock.advance(Duration.ofSeconds(10));
    post(
        "/revocations",
        new JsonObject().put("sub", "-bob").put("org", "globex").put("reason", "+1 \"quoted\""));

    HttpResponse<Buffer> json = get("/audit?format=json&org=acme");
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.getHeader("Content-Type")).isEqualTo("application/json");
    JsonArray rows = json.bodyAsJsonArray();
    assertThat(rows).hasSize(2);
    JsonObject first = rows.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactlyInAnyOrderElementsOf(AuditEvent.FIELDS);
    assertThat(first.getString("reason")).isEqualTo(hostile);
    assertThat(first.getString("time")).isEqualTo(NOW.toString());
    assertThat(first.getString("actor")).isEqualTo("ops");

    HttpResponse<Buffer> csv = get("/audit?format=csv");
    assertThat(csv.getHeader("Content-Type")).startsWith("text/csv");
    List<List<String>> table = Csv.parse(csv.bodyAsString());
    assertThat(table.get(0)).isEqualTo(AuditEvent.FIELDS);
    // three changes, the JSON export's own event and this export's, written before it streams
    assertThat(table).hasSize(1 + 5);
    assertThat(table.get(1).get(5)).isEqualTo("'" + hostile);
    assertThat(table.get(2).get(5)).isEqualTo("'@SUM(1+1)");
    assertThat(table.get(3).get(3)).isEqualTo("sub:globex/-bob");
    assertThat(table.get(3).get(5)).isEqualTo("'+1 \"quoted\"");
    assertThat(table.get(4).get(2)).isEqualTo("audit.exported");
    assertThat(table.get(4).get(3)).contains("org=acme");
    assertThat(table.get(5).get(2)).isEqualTo("audit.exported");
    for (List<String> row : table.subList(1, table.size())) {
      assertThat(row).hasSize(9);
      for (String cell : row) {
        assertThat(cell)
            .doesNotStartWith("=")
            .doesNotStartWith("+")
            .doesNotStartWith("-")
            .doesNotStartWith("@");
      }
    }

    JsonArray byTime =
        get("/audit?from=" + NOW.plusSeconds(5) + "&to=" + NOW.plusSeconds(15)).bodyAsJsonArray();
    assertThat(byTime).hasSize(1);
    assertThat(byTime.getJsonObject(0).getString("action")).isEqualTo("tenant.resumed");
    assertThat(get("/audit?action=sessions.revoked").bodyAsJsonArray()).hasSize(1);
    assertThat(get("/audit?action=tenant.*").bodyAsJsonArray().stream())
        .map(e -> ((JsonObject) e).getString("action"))
        .isNotEmpty()
        .allSatisfy(a -> assertThat(a).startsWith("tenant."));
    assertThat(get("/audit?actor=ops").bodyAsJsonArray()).isNotEmpty();
    assertThat(get("/audit?actor=nobody").bodyAsJsonArray()).isEmpty();
    // a filter the gateway would ignore, or a typo, must not pass for "it never happened"
    assertBad(get("/audit?action=tenant.suspend"), "action");
    assertBad(get("/audit?action=tenat.*"), "action");
    assertBad(get("/audit?target=org:acme"), "target");
    assertBad(get("/audit?sub=alice"), "sub");
    assertBad(get("/audit?action=tenant.resumed&action=tenant.suspended"), "action");
    assertBad(get("/audit?actor=two%20words"), "actor");
    assertBad(get("/audit?from=yesterday"), "from");
    assertBad(get("/audit?format=xml"), "format");
    assertBad(get("/audit?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z"), "to");
  }

  // ---- durability -----------------------------------------------------------------------------

  @Test
  void aMutationTheStoreCannotWriteIs503AndChangesNothing() {
    Await.result(admin.state.store().close());
    HttpResponse<Buffer> r = post("/tenants/acme/suspend", new JsonObject().put("reason", "abuse"));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("service_unavailable");
    assertThat(admin.state.snapshot().check(token("acme", "a", "k1", "j", NOW), "acme")).isNull();
  }

  @Test
  void aRestartKeepsEveryChangeAndIsNotReadyBeforeItsLoad() {
    post("/tenants/acme/suspend", new JsonObject().put("reason", "abuse"));
    post("/keys/k1/revoke", new JsonObject().put("reason", "leak"));
    post("/revocations", new JsonObject().put("sub", "alice").put("org", "globex"));
    call(HttpMethod.PUT, "/rate-limits/ip:10.0.0.7", SECRET, new JsonObject().put("limit", "5/s"));
    admin.close();

    admin =
        new AdminHarness(
            vertx, AdminHarness.embedded(dir), AdminTokens.parse("ops=" + SECRET), clock);
    var snap = admin.state.snapshot();
    assertThat(admin.state.readiness().status().ready()).isTrue();
    assertThat(snap.check(token("acme", "a", "k2", "j", NOW.plusSeconds(1)), "acme"))
        .isEqualTo(ErrorCode.ORG_SUSPENDED);
    assertThat(snap.check(token("x", "a", "k1", "j", NOW.plusSeconds(1)), "x"))
        .isEqualTo(ErrorCode.KEY_REVOKED);
    assertThat(snap.check(token("globex", "alice", "k2", "j", NOW.minusSeconds(1)), "globex"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(admin.state.overrides()).containsKey("ip:10.0.0.7");
    assertThat(audit()).hasSize(4);

    var fresh =
        io.portcullis.gateway.state.StateService.create(
            vertx,
            AdminHarness.embedded(dir.resolve("never-started")),
            clock,
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    assertThat(fresh.readiness().status().ready()).isFalse();
    assertThat(fresh.readiness().status().detail()).contains("initial revocation load not done");
  }

  /** A small RFC 4180 reader, for checking the export. */
  static final class Csv {
    static List<List<String>> parse(String text) {
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      StringBuilder cell = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
            cell.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            cell.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          row.add(cell.toString());
          cell.setLength(0);
        } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          row.add(cell.toString());
          cell.setLength(0);
          rows.add(row);
          row = new ArrayList<>();
          i++;
        } else {
          cell.append(c);
        }
      }
      return rows;
    }
  }
}

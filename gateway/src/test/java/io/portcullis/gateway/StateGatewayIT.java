package io.portcullis.gateway;

import static io.portcullis.gateway.support.Edge.assertError;
import static io.portcullis.gateway.support.Edge.assertPassed;
import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.state.Await;
import io.portcullis.gateway.state.StateOptions;
import io.portcullis.gateway.support.Edge;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.gateway.support.TestUpstream;
import io.portcullis.testkit.PostgresServer;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real gateways (proxy + admin listeners) sharing a real PostgreSQL and Redis: a change made on one
 * instance's admin API is enforced by the others through their proxy listeners; restarts keep
 * everything; {@code /readyz} is 503 and authenticated traffic 503 until the state is loaded.
 */
class StateGatewayIT {
  static final String SECRET = "ops-secret-0123456789";

  final TestKeys k1 = new TestKeys("k1");
  final TestKeys k2 = new TestKeys("k2");
  final List<Vertx> vertxes = new ArrayList<>();
  final List<Gateway> gateways = new ArrayList<>();
  final List<Edge> edges = new ArrayList<>();
  final List<AutoCloseable> servers = new ArrayList<>();
  final String run = UUID.randomUUID().toString().substring(0, 8);
  final String channel = RedisServer.uniquePrefix() + "state";
  TestUpstream upstream;

  @AfterEach
  void tearDown() throws Exception {
    edges.forEach(Edge::close);
    for (Gateway g : gateways) {
      await(g.stop().recover(e -> io.vertx.core.Future.succeededFuture()));
    }
    for (Vertx v : vertxes) {
      await(v.close());
    }
    for (AutoCloseable s : servers) {
      s.close();
    }
  }

  String org(String name) {
    return name + "-" + run; // the shared Redis holds buckets of other runs
  }

  Vertx vertx() {
    Vertx v = Vertx.vertx();
    vertxes.add(v);
    if (upstream == null) {
      upstream = await(new TestUpstream().start(v));
    }
    return v;
  }

  /** A gateway on its own Vert.x; started, and (when {@code awaitLoad}) with its state loaded. */
  Edge gateway(String databaseUrl, String redisUrl, Duration syncInterval, boolean awaitLoad) {
    Vertx vertx = vertx();
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_UPSTREAM", upstream.url());
    env.put("PORTCULLIS_ADMIN_TOKENS", "ops=" + SECRET);
    env.put(
        "JWT_PUBLIC_KEYS_PEM",
        new JsonObject().put(k1.kid, k1.pem()).put(k2.kid, k2.pem()).encode());
    env.put("PORTCULLIS_AUTH_FAILURE_LIMIT", "off");
    env.put("PORTCULLIS_RATE_LIMIT", "100000/s"); // polling below must not hit tenant limits
    env.put("DATABASE_URL", databaseUrl);
    if (redisUrl != null) {
      env.put("REDIS_URL", redisUrl);
    }
    env.put("PORTCULLIS_REVOCATION_SYNC_INTERVAL", syncInterval.toMillis() + "ms");
    env.put("PORTCULLIS_REVOCATION_MAX_STALENESS", syncInterval.multipliedBy(10).toMillis() + "ms");
    GatewayConfig config = TestGateways.config(null, k1, env);
    Gateway g =
        await(
            Gateway.builder(config)
                .vertx(vertx)
                .instances(1)
                .stateOptions(StateOptions.from(config).withChannel(channel))
                .build()
                .start());
    gateways.add(g);
    if (awaitLoad) {
      await(g.state().loaded(), Duration.ofSeconds(30));
    }
    Edge edge = new Edge(vertx, g, SECRET);
    edges.add(edge);
    return edge;
  }

  String token(TestKeys key, String org, String sub, String jti) {
    return key.token(
        Map.of(
            "org_id",
            org,
            "sub",
            sub,
            "jti",
            jti,
            "iat",
            Instant.now().minusSeconds(10).getEpochSecond()),
        Instant.now().plusSeconds(3600));
  }

  String token(String org, String sub) {
    return token(k1, org, sub, UUID.randomUUID().toString());
  }

  static void assertCreated(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isBetween(200, 201);
  }

  /** Polls the others' proxy listeners until {@code token} is refused with {@code code}. */
  static void enforcedBy(List<Edge> others, String token, int status, String code) {
    for (Edge e : others) {
      Await.until(
          () -> e.get("/api/x", token).statusCode() == status,
          Duration.ofSeconds(5),
          code + " on another instance");
      assertError(e.get("/api/x", token), status, code);
    }
  }

  @Test
  void aChangeOnOneInstanceIsEnforcedByTheOtherTwoThroughTheirProxyListeners() {
    String db = PostgresServer.shared().url(PostgresServer.shared().createDatabase());
    String redis = RedisServer.shared().url();
    // catch-up only every 30 s: what is enforced within seconds came by the pub/sub doorbell
    Duration slow = Duration.ofSeconds(30);
    Edge a = gateway(db, redis, slow, true);
    Edge b = gateway(db, redis, slow, true);
    Edge c = gateway(db, redis, slow, true);
    List<Edge> others = List.of(b, c);

    String acme = org("acme");
    String jti = "jti-" + run;
    String leaked = token(k1, acme, "alice", jti);
    String alice = token(acme, "alice");
    String bob = token(acme, "bob");
    String byK2 = token(k2, acme, "carol", "j2-" + run);
    String suspended = token(org("umbrella"), "u");
    for (Edge e : List.of(a, b, c)) { // every token in every instance's cache
      for (String t : List.of(leaked, alice, bob, byK2, suspended)) {
        assertPassed(e.get("/api/x", t));
      }
    }

    assertCreated(
        a.admin(
            HttpMethod.POST,
            "/revocations",
            new JsonObject()
                .put("jti", jti)
                .put("exp", Instant.now().plusSeconds(3600).getEpochSecond())));
    enforcedBy(others, leaked, 401, "token_revoked");

    assertCreated(
        b.admin(
            HttpMethod.POST,
            "/revocations",
            new JsonObject().put("sub", "alice").put("org", acme)));
    enforcedBy(List.of(a, c), alice, 401, "token_revoked");
    assertPassed(c.get("/api/x", bob));

    assertCreated(
        c.admin(HttpMethod.POST, "/keys/k2/revoke", new JsonObject().put("reason", "leak")));
    enforcedBy(List.of(a, b), byK2, 401, "key_revoked");

    assertCreated(
        a.admin(
            HttpMethod.POST,
            "/tenants/" + org("umbrella") + "/suspend",
            new JsonObject().put("reason", "abuse")));
    enforcedBy(others, suspended, 403, "org_suspended");
    assertCreated(
        a.admin(
            HttpMethod.POST,
            "/tenants/" + org("umbrella") + "/resume",
            new JsonObject().put("reason", "fixed")));
    for (Edge e : others) {
      Await.until(
          () -> e.get("/api/x", suspended).statusCode() == 200,
          Duration.ofSeconds(5),
          "resumed on another instance");
    }

    String rl = org("rl");
    String rlToken = token(rl, "u");
    assertCreated(
        a.admin(HttpMethod.PUT, "/rate-limits/org:" + rl, new JsonObject().put("limit", "7/min")));
    for (Edge e : others) {
      Await.until(
          () ->
              "\"override_org\";q=7;w=60"
                  .equals(e.get("/api/x", rlToken).getHeader("RateLimit-Policy")),
          Duration.ofSeconds(5),
          "override on another instance");
    }

    // the propagation delay the others measured (commit → applied), for the report
    for (Edge e : others) {
      Timer t = e.gateway().registry().get("portcullis.revocation.propagation").timer();
      assertThat(t.count()).isGreaterThanOrEqualTo(5);
      System.out.printf(
          "propagation on %d: n=%d mean=%.1fms max=%.1fms%n",
          e.gateway().adminPort(),
          t.count(),
          t.mean(TimeUnit.MILLISECONDS),
          t.max(TimeUnit.MILLISECONDS));
    }
    // one instance's admin audit holds the changes made through all three
    assertThat(c.audit("org=" + acme + "&action=sessions.revoked")).hasSize(1);
    assertThat(b.audit("action=token.revoked&from=" + Instant.now().minusSeconds(600)))
        .isNotEmpty();
  }

  @Test
  void restartWithPostgresKeepsEveryRevocationAndReadinessWaitsForTheLoad() throws Exception {
    PostgresServer pg = PostgresServer.startPrivate();
    servers.add(pg);
    String db = pg.url(pg.createDatabase());
    Edge first = gateway(db, null, Duration.ofMillis(200), true);
    String jti = "jti-" + run;
    String leaked = token(k1, "acme", "a", jti);
    String suspended = token("hooli", "h");
    assertCreated(
        first.admin(
            HttpMethod.POST,
            "/revocations",
            new JsonObject()
                .put("jti", jti)
                .put("exp", Instant.now().plusSeconds(3600).getEpochSecond())));
    assertCreated(
        first.admin(
            HttpMethod.POST, "/tenants/hooli/suspend", new JsonObject().put("reason", "abuse")));
    assertError(first.get("/api/x", leaked), 401, "token_revoked");
    await(first.gateway().stop());

    // the database is down while the next instance starts: it runs, but is not ready and lets
    // no authenticated request through (its snapshot is empty)
    pg.stop();
    Edge second = gateway(db, null, Duration.ofMillis(200), false);
    HttpResponse<Buffer> notReady = second.adminListener("/readyz");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(
            notReady
                .bodyAsJsonObject()
                .getJsonObject("checks")
                .getJsonObject("revocations")
                .getString("status"))
        .isEqualTo("down");
    HttpResponse<Buffer> refused = second.get("/api/x", token("acme", "b"));
    assertError(refused, 503, "auth_unavailable");
    assertThat(refused.getHeader("Retry-After")).isNotBlank();
    assertThat(second.adminListener("/healthz").statusCode()).isEqualTo(200);

    pg.start();
    Await.until(
        () -> second.adminListener("/readyz").statusCode() == 200,
        Duration.ofSeconds(20),
        "ready once PostgreSQL is back and the state is loaded");
    assertError(second.get("/api/x", leaked), 401, "token_revoked");
    assertError(second.get("/api/x", suspended), 403, "org_suspended");
    assertPassed(second.get("/api/x", token("acme", "b")));
  }
}

package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.state.Await;
import io.portcullis.gateway.state.StateEntry;
import io.portcullis.gateway.state.StateOptions;
import io.portcullis.keyset.VerifiedToken;
import io.portcullis.testkit.PostgresServer;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several instances (each its own Vertx, state service and admin listener) sharing PostgreSQL and
 * Redis: propagation, lost messages, a dead database, restarts.
 */
class StateClusterIT {
  static final String SECRET = "s3cret-ops-token-0001";
  static final AdminTokens TOKENS = AdminTokens.parse("ops=" + SECRET);
  final Clock clock = Clock.systemUTC();
  final List<Vertx> vertxes = new ArrayList<>();
  final List<AdminHarness> instances = new ArrayList<>();
  final List<AutoCloseable> servers = new ArrayList<>();
  @TempDir Path dir;

  @AfterEach
  void tearDown() throws Exception {
    for (AdminHarness h : instances) {
      try {
        h.close();
      } catch (RuntimeException ignored) {
        // already closed by the test
      }
    }
    for (Vertx v : vertxes) {
      Await.result(v.close());
    }
    for (AutoCloseable s : servers) {
      s.close();
    }
  }

  AdminHarness instance(StateOptions options, boolean awaitLoad) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    AdminHarness h = new AdminHarness(vertx, options, TOKENS, clock, awaitLoad);
    instances.add(h);
    return h;
  }

  static StateOptions options(
      String dbUrl, String redisUrl, Duration interval, Duration staleness) {
    return new StateOptions(
        dbUrl,
        Path.of("unused"),
        redisUrl,
        interval,
        staleness,
        RedisServer.uniquePrefix() + "state");
  }

  static StateOptions shareChannel(StateOptions base, StateOptions channelOf) {
    return base.withChannel(channelOf.channel());
  }

  HttpResponse<Buffer> post(AdminHarness h, String path, JsonObject body) {
    WebClient client = WebClient.create(h.vertx);
    try {
      return Await.result(
          client
              .post(h.port(), "127.0.0.1", "/admin/v1" + path)
              .putHeader("Authorization", "Bearer " + SECRET)
              .sendJsonObject(body));
    } finally {
      client.close();
    }
  }

  static VerifiedToken token(String org, String kid, Instant iat) {
    return new VerifiedToken(
        kid,
        "RS256",
        "https://idp",
        "alice",
        List.of("api"),
        Instant.now().plusSeconds(3600),
        iat,
        "jti-1",
        Map.of("org_id", org),
        "fp");
  }

  static String freshDb(PostgresServer pg) {
    return pg.url(pg.createDatabase());
  }

  @Test
  void aChangeOnOneInstanceReachesTheOtherTwoByPubSub() {
    // catch-up every 30 s: what arrives within seconds came by pub/sub
    StateOptions opts =
        options(
            freshDb(PostgresServer.shared()),
            RedisServer.shared().url(),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60));
    AdminHarness a = instance(opts, true);
    AdminHarness b = instance(opts, true);
    AdminHarness c = instance(opts, true);
    Map<Long, Instant> atB = new ConcurrentHashMap<>();
    Map<Long, Instant> atC = new ConcurrentHashMap<>();
    b.state.onApplied(e -> atB.put(e.revision(), clock.instant()));
    c.state.onApplied(e -> atC.put(e.revision(), clock.instant()));
    Await.until(() -> a.state.readiness().status().ready(), Duration.ofSeconds(5), "ready");
    // pub/sub subscriptions are made in the background: wait until one change gets through
    StateEntry probe = Await.result(a.state.mutate(StateEntry.kid("probe", "x"), audit()));
    Await.until(
        () -> atB.containsKey(probe.revision()) && atC.containsKey(probe.revision()),
        Duration.ofSeconds(10),
        "subscriptions up");

    List<StateEntry> committed = new ArrayList<>();
    Map<Long, Instant> acked = new ConcurrentHashMap<>();
    for (int i = 0; i < 100; i++) {
      StateEntry change =
          i % 2 == 0
              ? StateEntry.suspension("org-" + i, true, "drill")
              : StateEntry.jti("j-" + i, Instant.now().plusSeconds(3600), null, null);
      committed.add(
          Await.result(
              a.state
                  .mutate(change, audit())
                  .onSuccess(e -> acked.put(e.revision(), clock.instant()))));
    }
    Await.until(
        () ->
            committed.stream()
                .allMatch(e -> atB.containsKey(e.revision()) && atC.containsKey(e.revision())),
        Duration.ofSeconds(10),
        "100 changes applied on both other instances");
    // from the commit time stamped in the transaction (the metric's definition; it includes the
    // rest of the PostgreSQL commit), and from the moment the origin had the acknowledgement
    List<Double> delays = new ArrayList<>();
    List<Double> afterAck = new ArrayList<>();
    for (StateEntry e : committed) {
      for (Map<Long, Instant> at : List.of(atB, atC)) {
        delays.add(Duration.between(e.committedAt(), at.get(e.revision())).toNanos() / 1e6);
        afterAck.add(
            Duration.between(acked.get(e.revision()), at.get(e.revision())).toNanos() / 1e6);
      }
    }
    Collections.sort(delays);
    Collections.sort(afterAck);
    double p50 = delays.get(delays.size() / 2);
    double p99 = delays.get((int) Math.ceil(delays.size() * 0.99) - 1);
    System.out.printf(
        "PROPAGATION over %d applications of 100 changes (2 receivers): from commit p50=%.2f ms"
            + " p99=%.2f ms max=%.2f ms; from origin ack p50=%.2f ms p99=%.2f ms%n",
        delays.size(),
        p50,
        p99,
        delays.get(delays.size() - 1),
        afterAck.get(afterAck.size() / 2),
        afterAck.get((int) Math.ceil(afterAck.size() * 0.99) - 1));
    assertThat(p99).isLessThan(2_000); // generous ceiling; the target (100 ms) is in the report

    // enforced on the other two, and the metrics are exported under their contract names
    HttpResponse<Buffer> revoked =
        post(a, "/keys/k1/revoke", new JsonObject().put("reason", "leak"));
    assertThat(revoked.statusCode()).isEqualTo(200);
    for (AdminHarness h : List.of(b, c)) {
      Await.until(
          () ->
              h.state.snapshot().check(token("acme", "k1", Instant.now()), "acme")
                  == ErrorCode.KEY_REVOKED,
          Duration.ofSeconds(5),
          "kid revoked everywhere");
      assertThat(h.keys.invalidated).contains("k1");
      assertThat(h.state.snapshot().check(token("org-0", "k2", Instant.now()), "org-0"))
          .isEqualTo(ErrorCode.ORG_SUSPENDED);
    }
    // Redis is a doorbell, not a source: a forged message changes nothing
    io.vertx.redis.client.Redis redis =
        io.vertx.redis.client.Redis.createClient(b.vertx, RedisServer.shared().url());
    String forged =
        StateEntry.suspension("org-0", false, "forged")
            .committed(1_000_000_000L, Instant.now())
            .toJson()
            .encode();
    Await.result(
        redis.send(
            io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PUBLISH)
                .arg(opts.channel())
                .arg(forged)));
    redis.close();
    sleep(300);
    assertThat(b.state.snapshot().suspension("org-0")).isNotNull();
    assertThat(b.state.snapshot().revision()).isLessThan(1_000_000_000L);

    String scrape = b.registry.scrape();
    assertThat(scrape).contains("portcullis_revocation_propagation_seconds_bucket");
    assertThat(scrape).contains("portcullis_revocations_active{type=\"kid\"} 2.0");
    assertThat(scrape).contains("portcullis_revocations_active{type=\"suspension\"} 50.0");
    assertThat(scrape).contains("portcullis_revocations_active{type=\"jti\"} 50.0");
  }

  static io.portcullis.gateway.state.AuditEvent audit() {
    return new io.portcullis.gateway.state.AuditEvent(
        Instant.now(), "test", "tenant.suspended", "t", null, null, "127.0.0.1", "rid", "success");
  }

  @Test
  void messagesLostWhileRedisRestartsAreCaughtUpWithinTheInterval() {
    RedisServer redis = RedisServer.startPrivate();
    servers.add(redis);
    Duration interval = Duration.ofMillis(500);
    StateOptions opts =
        options(freshDb(PostgresServer.shared()), redis.url(), interval, Duration.ofSeconds(30));
    AdminHarness a = instance(opts, true);
    AdminHarness b = instance(opts, true);

    redis.stop();
    HttpResponse<Buffer> r =
        post(a, "/tenants/acme/suspend", new JsonObject().put("reason", "abuse"));
    assertThat(r.statusCode()).isEqualTo(200); // Redis is not the source of truth
    long start = System.nanoTime();
    Await.until(
        () -> b.state.snapshot().suspension("acme") != null,
        Duration.ofSeconds(3),
        "catch-up without Redis");
    System.out.printf(
        "CATCH-UP without Redis: applied after %d ms (interval %d ms)%n",
        (System.nanoTime() - start) / 1_000_000, interval.toMillis());

    redis.start();
    Await.until(
        () -> { // after the reconnect, pub/sub carries changes again
          post(a, "/keys/k-" + System.nanoTime() + "/revoke", new JsonObject().put("reason", "x"));
          return b.state.snapshot().entries(StateEntry.Kind.KID).size() > 0;
        },
        Duration.ofSeconds(10),
        "changes flow after Redis returns");
  }

  /**
   * An instance whose first subscription lands after its initial load (Redis not up yet at boot)
   * missed every ring in between: the subscription itself must ask for a catch-up, or such a change
   * waits for the next timer round (an hour here).
   */
  @Test
  void aChangeCommittedBeforeTheFirstSubscriptionIsCaughtUpWhenItLands() {
    RedisServer redis = RedisServer.startPrivate();
    servers.add(redis);
    redis.stop();
    StateOptions opts =
        options(
            freshDb(PostgresServer.shared()),
            redis.url(),
            Duration.ofHours(1),
            Duration.ofHours(2));
    AdminHarness a = instance(opts, true);
    AdminHarness b = instance(opts, true); // loaded from PostgreSQL, not subscribed

    HttpResponse<Buffer> r =
        post(a, "/tenants/acme/suspend", new JsonObject().put("reason", "abuse"));
    assertThat(r.statusCode()).isEqualTo(200); // its ring went nowhere
    assertThat(b.state.snapshot().suspension("acme")).isNull();

    redis.start();
    Await.until(
        () -> b.state.snapshot().suspension("acme") != null,
        Duration.ofSeconds(10),
        "caught up when the subscription lands");
  }

  @Test
  void withPostgresDownMutationsAre503TheSnapshotKeepsEnforcingAndNothingAcknowledgedIsLost() {
    PostgresServer pg = PostgresServer.startPrivate();
    servers.add(pg);
    String url = freshDb(pg);
    StateOptions opts =
        options(url, RedisServer.shared().url(), Duration.ofMillis(300), Duration.ofSeconds(2));
    AdminHarness a = instance(opts, true);
    AdminHarness b = instance(opts, true);
    assertThat(post(a, "/keys/k1/revoke", new JsonObject().put("reason", "leak")).statusCode())
        .isEqualTo(200);
    Await.until(() -> b.state.snapshot().kidRevoked("k1"), Duration.ofSeconds(5), "k1 on b");

    pg.stop();
    HttpResponse<Buffer> refused =
        post(a, "/tenants/acme/suspend", new JsonObject().put("reason", "abuse"));
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("service_unavailable");
    for (AdminHarness h : List.of(a, b)) {
      assertThat(h.state.snapshot().check(token("acme", "k1", Instant.now()), "acme"))
          .isEqualTo(ErrorCode.KEY_REVOKED);
      assertThat(h.state.snapshot().suspension("acme")).isNull();
    }
    // past the staleness bound the instances say so on /readyz
    Await.until(
        () -> !b.state.readiness().status().ready(),
        Duration.ofSeconds(10),
        "stale snapshot not ready");

    pg.start();
    Await.until(() -> b.state.readiness().status().ready(), Duration.ofSeconds(15), "ready again");
    assertThat(
            post(a, "/tenants/acme/suspend", new JsonObject().put("reason", "abuse")).statusCode())
        .isEqualTo(200);
    AdminHarness fresh = instance(shareChannel(opts, opts), true);
    assertThat(fresh.state.snapshot().kidRevoked("k1")).isTrue();
    assertThat(fresh.state.snapshot().suspension("acme")).isNotNull();
    // the audit trail has what was acknowledged, once, and nothing of the refused call
    WebClient client = WebClient.create(fresh.vertx);
    HttpResponse<Buffer> csv =
        Await.result(
            client
                .get(fresh.port(), "127.0.0.1", "/admin/v1/audit?format=csv")
                .putHeader("Authorization", "Bearer " + SECRET)
                .send());
    client.close();
    List<List<String>> rows = AdminApiTest.Csv.parse(csv.bodyAsString());
    assertThat(rows.stream().skip(1).filter(r -> r.get(8).equals("success")).map(r -> r.get(2)))
        .containsExactly("key.revoked", "tenant.suspended", "audit.exported");
  }

  @Test
  void restartingEveryInstanceKeepsTheStateAndNoneIsReadyBeforeItsLoad() {
    PostgresServer pg = PostgresServer.startPrivate();
    servers.add(pg);
    StateOptions opts =
        options(
            freshDb(pg),
            RedisServer.shared().url(),
            Duration.ofMillis(300),
            Duration.ofSeconds(30));
    AdminHarness a = instance(opts, true);
    instance(opts, true);
    instance(opts, true);
    assertThat(
            post(a, "/tenants/acme/suspend", new JsonObject().put("reason", "abuse")).statusCode())
        .isEqualTo(200);
    assertThat(
            post(a, "/revocations", new JsonObject().put("sub", "alice").put("org", "globex"))
                .statusCode())
        .isEqualTo(201);
    for (AdminHarness h : List.copyOf(instances)) {
      h.close();
    }
    instances.clear();

    pg.stop(); // the new instances cannot load yet
    List<AdminHarness> restarted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      restarted.add(instance(opts, false));
    }
    Await.until(
        () ->
            restarted.stream()
                .allMatch(
                    h ->
                        h.state
                            .readiness()
                            .status()
                            .detail()
                            .contains("initial revocation load not done")),
        Duration.ofSeconds(5),
        "not loaded");
    sleep(1_000);
    assertThat(restarted)
        .allSatisfy(h -> assertThat(h.state.readiness().status().ready()).isFalse());

    pg.start();
    for (AdminHarness h : restarted) {
      Await.result(h.state.loaded().timeout(20, java.util.concurrent.TimeUnit.SECONDS));
      assertThat(h.state.readiness().status().ready()).isTrue();
      assertThat(h.state.snapshot().suspension("acme")).isNotNull();
      assertThat(
              h.state
                  .snapshot()
                  .check(token("globex", "k2", Instant.now().minusSeconds(60)), "globex"))
          .isEqualTo(ErrorCode.TOKEN_REVOKED);
    }
  }

  @Test
  void theEmbeddedStoreIsNotReadyUntilItCanLoadAndKeepsEverythingAcrossARestart() {
    StateOptions opts =
        StateOptions.of(null, dir, null)
            .withSyncInterval(Duration.ofMillis(200), Duration.ofSeconds(30));
    AdminHarness first = instance(opts, true);
    assertThat(
            post(first, "/tenants/acme/suspend", new JsonObject().put("reason", "abuse"))
                .statusCode())
        .isEqualTo(200);
    assertThat(post(first, "/keys/k9/revoke", new JsonObject().put("reason", "leak")).statusCode())
        .isEqualTo(200);

    // while the old process still holds the data dir, the new one cannot load
    AdminHarness second = instance(opts, false);
    sleep(600);
    assertThat(second.state.readiness().status().ready()).isFalse();
    first.close();
    Await.result(second.state.loaded().timeout(10, java.util.concurrent.TimeUnit.SECONDS));
    assertThat(second.state.readiness().status().ready()).isTrue();
    assertThat(second.state.snapshot().suspension("acme")).isNotNull();
    assertThat(second.state.snapshot().kidRevoked("k9")).isTrue();
  }

  @Test
  void catchUpAloneMissesNothingWhileTwoInstancesWriteConcurrently() {
    String url = freshDb(PostgresServer.shared());
    StateOptions writers = options(url, null, Duration.ofSeconds(30), Duration.ofSeconds(60));
    StateOptions reader = options(url, null, Duration.ofMillis(20), Duration.ofSeconds(60));
    AdminHarness a = instance(writers, true);
    AdminHarness b = instance(writers, true);
    AdminHarness c = instance(reader, true);
    List<io.vertx.core.Future<StateEntry>> writes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      AdminHarness w = i % 2 == 0 ? a : b;
      writes.add(w.state.mutate(StateEntry.kid("k" + i, null), audit()));
    }
    Await.result(io.vertx.core.Future.all(writes));
    Await.until(
        () -> c.state.snapshot().entries(StateEntry.Kind.KID).size() == 100,
        Duration.ofSeconds(10),
        "all 100 concurrent changes caught up");
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

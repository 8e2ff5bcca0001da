package io.portcullis.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.state.StateEntry.Kind;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one contract every {@link Store} meets (Bucket4j TCK style): subclasses say how to open a
 * store and how to reopen the same durable state.
 */
abstract class StoreContract {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  protected Vertx vertx;
  protected MutableClock clock;
  protected Store store;

  /** A store over fresh, empty durable state. */
  abstract Store open(Vertx vertx, MutableClock clock);

  /** A new store over the same durable state as the last {@link #open}. */
  abstract Store reopen(Vertx vertx, MutableClock clock);

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clock = new MutableClock(T0);
    store = open(vertx, clock);
    Await.result(store.start());
  }

  @AfterEach
  void tearDown() {
    Await.result(store.close());
    Await.result(vertx.close());
  }

  static AuditEvent audit(Instant time, String action, String target, String org, String reason) {
    return new AuditEvent(
        time, "alice", action, target, org, reason, "10.0.0.1", "rid-1", "success");
  }

  StateEntry apply(StateEntry e, String action) {
    return Await.result(
        store.apply(e, audit(clock.instant(), action, e.key(), e.org(), e.reason())));
  }

  @Test
  void everyChangeGetsTheNextRevisionAndItsCommitTime() {
    StateEntry a = apply(StateEntry.kid("k1", "leaked"), "key.revoked");
    clock.advance(Duration.ofSeconds(1));
    StateEntry b = apply(StateEntry.suspension("acme", true, "abuse"), "tenant.suspended");
    assertThat(b.revision()).isGreaterThan(a.revision());
    assertThat(a.revision()).isPositive();
    assertThat(a.committedAt()).isEqualTo(T0);
    assertThat(b.committedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(b.active()).isTrue();
  }

  @Test
  void catchUpReturnsTheLatestValuePerKeyInRevisionOrder() {
    StateEntry set = apply(StateEntry.override("org:acme", "10/s", null), "ratelimit.override_set");
    StateEntry kid = apply(StateEntry.kid("k1", "x"), "key.revoked");
    StateEntry removed =
        apply(StateEntry.override("org:acme", null, "done"), "ratelimit.override_removed");

    List<StateEntry> all = Await.result(store.changesSince(0));
    assertThat(all)
        .extracting(StateEntry::revision)
        .containsExactly(kid.revision(), removed.revision());
    assertThat(all.get(1).active()).isFalse();
    assertThat(all.get(1).limit()).isNull();

    assertThat(Await.result(store.changesSince(kid.revision())))
        .extracting(StateEntry::id)
        .containsExactly("OVERRIDE:org:acme");
    assertThat(Await.result(store.changesSince(removed.revision()))).isEmpty();
    assertThat(set.revision()).isLessThan(kid.revision());
  }

  @Test
  void everyKindRoundTrips() {
    Instant exp = T0.plus(Duration.ofHours(1));
    apply(StateEntry.jti("j-1", exp, "acme", "phone lost"), "token.revoked");
    apply(StateEntry.subject("acme", "user/1", T0, null), "sessions.revoked");
    apply(StateEntry.tenant("acme", T0, "breach"), "sessions.revoked");
    apply(StateEntry.kid("k9", "compromised"), "key.revoked");
    apply(StateEntry.suspension("acme", false, null), "tenant.resumed");
    apply(StateEntry.override("ip:10.0.0.7", "5/s burst 5", null), "ratelimit.override_set");
    apply(StateEntry.route("/orgs/{org}/", true, "INC-9"), "route.disabled");
    apply(StateEntry.kid("k8", false, "revoked by mistake"), "key.restored");
    apply(StateEntry.allTenants(T0, "idp breach"), "sessions.revoked");

    List<StateEntry> all = Await.result(store.changesSince(0));
    assertThat(all).hasSize(9);
    StateEntry jti = all.get(0);
    assertThat(jti.kind()).isEqualTo(Kind.JTI);
    assertThat(jti.expiresAt()).isEqualTo(exp);
    assertThat(jti.org()).isEqualTo("acme");
    assertThat(jti.reason()).isEqualTo("phone lost");
    StateEntry sub = all.get(1);
    assertThat(sub.sub()).isEqualTo("user/1");
    assertThat(sub.org()).isEqualTo("acme");
    assertThat(sub.key()).isEqualTo("acme/user/1");
    assertThat(sub.cutoff()).isEqualTo(T0);
    assertThat(all.get(2).cutoff()).isEqualTo(T0);
    assertThat(all.get(3).key()).isEqualTo("k9");
    assertThat(all.get(4).active()).isFalse();
    assertThat(all.get(5).limit()).isEqualTo("5/s burst 5");
    StateEntry route = all.get(6);
    assertThat(route.kind()).isEqualTo(Kind.ROUTE);
    assertThat(route.key()).isEqualTo("/orgs/{org}/");
    assertThat(route.active()).isTrue();
    assertThat(route.reason()).isEqualTo("INC-9");
    assertThat(all.get(3).active()).isTrue();
    StateEntry restored = all.get(7);
    assertThat(restored.kind()).isEqualTo(Kind.KID);
    assertThat(restored.active()).isFalse();
    assertThat(restored.reason()).isEqualTo("revoked by mistake");
    StateEntry everyone = all.get(8);
    assertThat(everyone.kind()).isEqualTo(Kind.TENANT);
    assertThat(everyone.key()).isEqualTo(StateEntry.ALL_TENANTS);
    assertThat(everyone.org()).isNull();
    assertThat(everyone.cutoff()).isEqualTo(T0);
  }

  @Test
  void aCutoffNeverMovesBack() {
    apply(StateEntry.subject("acme", "bob", T0.plusSeconds(60), null), "sessions.revoked");
    StateEntry second =
        apply(StateEntry.subject("acme", "bob", T0.plusSeconds(10), null), "sessions.revoked");
    assertThat(second.cutoff()).isEqualTo(T0.plusSeconds(60));
    assertThat(Await.result(store.changesSince(0)).get(0).cutoff()).isEqualTo(T0.plusSeconds(60));
  }

  @Test
  void aRestartLosesNothing() {
    StateEntry a = apply(StateEntry.kid("k1", "x"), "key.revoked");
    StateEntry b = apply(StateEntry.tenant("acme", T0, "breach"), "sessions.revoked");
    Await.result(store.audit(audit(T0, "keys.refreshed", "keys", null, null)));
    Await.result(store.close());

    store = reopen(vertx, clock);
    Await.result(store.start());
    assertThat(Await.result(store.changesSince(0))).containsExactly(a, b);
    StateEntry c = apply(StateEntry.kid("k2", "x"), "key.revoked");
    assertThat(c.revision()).isGreaterThan(b.revision());
    List<AuditEvent> events =
        Await.all(
            Await.result(
                store.exportAudit(new AuditQuery(Instant.EPOCH, Instant.MAX, null, null))));
    assertThat(events)
        .extracting(AuditEvent::action)
        .containsExactly("key.revoked", "sessions.revoked", "keys.refreshed", "key.revoked");
  }

  @Test
  void expiredJtiRevocationsArePruned() {
    apply(StateEntry.jti("old", T0.plus(Duration.ofMinutes(5)), null, null), "token.revoked");
    apply(StateEntry.jti("new", T0.plus(Duration.ofHours(5)), null, null), "token.revoked");
    Await.result(store.pruneExpired(T0.plus(Duration.ofHours(1))));
    assertThat(Await.result(store.changesSince(0)))
        .extracting(StateEntry::key)
        .containsExactly("new");
  }

  @Test
  void theExportFiltersByTimeActionAndOrgAndKeepsHostileValues() {
    String hostile = "=cmd|' /C calc'!A0, \"quoted\"\nnext line";
    for (int i = 0; i < 10; i++) {
      Await.result(
          store.audit(
              audit(
                  T0.plusSeconds(i),
                  i % 2 == 0 ? "tenant.viewed" : "keys.listed",
                  "t" + i,
                  i % 3 == 0 ? "acme" : "other",
                  hostile)));
    }
    List<AuditEvent> range =
        Await.all(
            Await.result(
                store.exportAudit(
                    new AuditQuery(T0.plusSeconds(2), T0.plusSeconds(6), null, null))));
    assertThat(range).extracting(AuditEvent::target).containsExactly("t2", "t3", "t4", "t5");
    assertThat(range.get(0).reason()).isEqualTo(hostile);
    assertThat(range.get(0).source()).isEqualTo("10.0.0.1");
    assertThat(range.get(0).requestId()).isEqualTo("rid-1");

    List<AuditEvent> filtered =
        Await.all(
            Await.result(
                store.exportAudit(
                    new AuditQuery(T0, T0.plusSeconds(100), "tenant.viewed", "acme"))));
    assertThat(filtered).extracting(AuditEvent::target).containsExactly("t0", "t6");
  }

  /** action=tenant.* takes the family (and nothing that merely starts alike); actor is exact. */
  @Test
  void theExportFiltersByActionFamilyAndActor() {
    String[] actions = {
      "tenant.suspended", "tenant.resumed", "tenants.listed", "key.revoked", "tenant.viewed"
    };
    for (int i = 0; i < actions.length; i++) {
      Await.result(
          store.audit(
              new AuditEvent(
                  T0.plusSeconds(i),
                  i % 2 == 0 ? "alice" : "bob",
                  actions[i],
                  "t" + i,
                  "acme",
                  null,
                  "10.0.0.1",
                  "rid-" + i,
                  "success")));
    }
    assertThat(export(new AuditQuery(T0, T0.plusSeconds(60), "tenant.*", null, null)))
        .extracting(AuditEvent::target)
        .containsExactly("t0", "t1", "t4");
    assertThat(export(new AuditQuery(T0, T0.plusSeconds(60), null, null, "bob")))
        .extracting(AuditEvent::target)
        .containsExactly("t1", "t3");
    assertThat(export(new AuditQuery(T0, T0.plusSeconds(60), "tenant.*", "acme", "alice")))
        .extracting(AuditEvent::target)
        .containsExactly("t0", "t4");
  }

  private List<AuditEvent> export(AuditQuery q) {
    return Await.all(Await.result(store.exportAudit(q)));
  }

  @Test
  void theExportStreamsManyRowsWithBackPressure() {
    int n = 3000;
    for (int i = 0; i < n; i++) {
      Await.result(store.audit(audit(T0.plusMillis(i), "keys.listed", "t" + i, null, null)));
    }
    AuditStream stream =
        Await.result(store.exportAudit(new AuditQuery(Instant.EPOCH, Instant.MAX, null, null)));
    List<AuditEvent> got = new java.util.ArrayList<>();
    var done = new java.util.concurrent.CompletableFuture<Void>();
    stream.endHandler(v -> done.complete(null));
    stream.exceptionHandler(done::completeExceptionally);
    stream.pause();
    stream.handler(
        e -> {
          got.add(e);
          if (got.size() % 100 == 0) {
            stream.pause();
            vertx.setTimer(1, t -> stream.resume());
          }
        });
    stream.resume();
    try {
      done.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(got).hasSize(n);
    assertThat(got.get(n - 1).target()).isEqualTo("t" + (n - 1));
  }

  /** Newest first, the tenant's own, and reads left out: page views never push a change out. */
  @Test
  void recentEventsOfATenantComeNewestFirstWithoutReads() {
    for (int i = 0; i < 5; i++) {
      Await.result(
          store.audit(audit(T0.plusSeconds(i), "tenant.suspended", "t" + i, "acme", null)));
    }
    for (int i = 5; i < 30; i++) {
      Await.result(store.audit(audit(T0.plusSeconds(i), "tenant.viewed", "v" + i, "acme", null)));
    }
    Await.result(store.audit(audit(T0.plusSeconds(40), "tenant.resumed", "x", "other", null)));
    assertThat(Await.result(store.recentAudit("acme", 3)))
        .extracting(AuditEvent::target)
        .containsExactly("t4", "t3", "t2");
  }

  @Test
  void concurrentWritersGetDistinctRevisionsAndCatchUpSeesEveryOne() {
    List<io.vertx.core.Future<StateEntry>> writes = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      StateEntry e = StateEntry.kid("k" + i, null);
      writes.add(store.apply(e, audit(clock.instant(), "key.revoked", e.key(), null, null)));
    }
    Await.result(io.vertx.core.Future.all(writes));
    java.util.Set<Long> revisions = new java.util.TreeSet<>();
    writes.forEach(f -> revisions.add(f.result().revision()));
    assertThat(revisions).hasSize(40);
    List<StateEntry> all = Await.result(store.changesSince(0));
    assertThat(all).extracting(StateEntry::revision).containsExactlyElementsOf(revisions);
  }
}

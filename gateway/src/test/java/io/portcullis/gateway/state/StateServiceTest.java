package io.portcullis.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.ratelimit.RateLimitPolicy;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle, readiness and listeners of one instance, on the embedded store. */
class StateServiceTest {
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  @TempDir Path dir;
  Vertx vertx;
  MutableClock clock;
  SimpleMeterRegistry registry;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clock = new MutableClock(T0);
    registry = new SimpleMeterRegistry();
  }

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
  }

  StateService service() {
    // catch-up hourly: the test moves the clock instead of waiting
    StateOptions opts =
        StateOptions.of(null, dir, null).withSyncInterval(Duration.ofHours(1), Duration.ofHours(2));
    registry = new SimpleMeterRegistry(); // one service per registry, as in a process
    return StateService.create(vertx, opts, clock, registry);
  }

  static AuditEvent audit() {
    return new AuditEvent(T0, "ops", "key.revoked", "t", null, null, "127.0.0.1", "r", "success");
  }

  @Test
  void readyAfterTheLoadAndNotOnceTheSnapshotIsOlderThanItsBound() {
    StateService state = service();
    assertThat(state.readiness().name()).isEqualTo("revocations");
    assertThat(state.readiness().status().ready()).isFalse();
    Await.result(state.start());
    Await.result(state.loaded().timeout(10, TimeUnit.SECONDS));
    assertThat(state.readiness().status().ready()).isTrue();

    clock.advance(Duration.ofHours(2).plusSeconds(1));
    assertThat(state.readiness().status().ready()).isFalse();
    assertThat(state.readiness().status().detail()).contains("7201s old (bound 7200s)");
    state.sync();
    Await.until(() -> state.readiness().status().ready(), Duration.ofSeconds(5), "fresh again");
    Await.result(state.close());
  }

  @Test
  void listenersHearKidsOnceAndOverridesOnLoadAndChange() {
    StateService first = service();
    Await.result(first.start());
    Await.result(first.loaded());
    Await.result(first.mutate(StateEntry.override("org:acme", "10/s", null), audit()));
    Await.result(first.close());

    StateService state = service();
    List<String> kids = new CopyOnWriteArrayList<>();
    List<Map<String, RateLimitPolicy>> overrides = new CopyOnWriteArrayList<>();
    state.onKidRevoked(kids::add);
    state.onOverridesChanged(overrides::add);
    Await.result(state.start());
    Await.result(state.loaded());
    assertThat(overrides).containsExactly(Map.of("org:acme", RateLimitPolicy.parse("10/s")));

    Await.result(state.mutate(StateEntry.kid("k1", "leak"), audit()));
    state.sync(); // the catch-up reads k1 again: no second notification
    Await.until(() -> !kids.isEmpty(), Duration.ofSeconds(5), "kid listener");
    Await.result(state.mutate(StateEntry.override("org:acme", null, null), audit()));
    assertThat(kids).containsExactly("k1");
    assertThat(overrides.get(overrides.size() - 1)).isEmpty();
    // a change made here is not a propagation sample; the restart's load is
    assertThat(registry.get("portcullis.revocation.propagation").timer().count()).isEqualTo(1);
    assertThat(registry.get("portcullis.revocations.active").tag("type", "kid").gauge().value())
        .isEqualTo(1.0);
    Await.result(state.close());
  }

  /**
   * An admin change (A) and a catch-up bringing another instance's change (B) notify from two
   * threads. A's listener is held between A's read of the overrides and its publication while B
   * runs; the listeners must still end with both, as the snapshot has them. Without one lock over
   * read-and-publish, B published {a, b}, then A published its older {a}, and b was never enforced
   * on this instance (later catch-ups apply nothing new, so nothing repaired it).
   */
  @Test
  void overlappingOverrideNotificationsEndWithTheLatestOverrides() throws Exception {
    StateService state = service();
    Await.result(state.start());
    Await.result(state.loaded());
    AtomicReference<Map<String, RateLimitPolicy>> enforced = new AtomicReference<>();
    CountDownLatch aHeld = new CountDownLatch(1);
    CountDownLatch bPublished = new CountDownLatch(1);
    state.onOverridesChanged(
        overrides -> {
          if (!overrides.containsKey("org:b") && aHeld.getCount() > 0) {
            aHeld.countDown();
            try {
              bPublished.await(1, TimeUnit.SECONDS); // with the lock B cannot publish meanwhile
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          enforced.set(overrides);
          if (overrides.containsKey("org:b")) {
            bPublished.countDown();
          }
        });

    // B: committed by "another instance" (straight to the store), not yet read here
    Await.result(state.store().apply(StateEntry.override("org:b", "20/s", null), audit()));
    var a = state.mutate(StateEntry.override("org:a", "10/s", null), audit());
    assertThat(aHeld.await(10, TimeUnit.SECONDS)).as("A notifies").isTrue();
    state.sync(); // the catch-up reading B, on this thread while A's listener is held
    Await.result(a);

    Await.until(() -> enforced.get().size() == 2, Duration.ofSeconds(5), "b enforced");
    assertThat(enforced.get()).isEqualTo(state.overrides()).containsOnlyKeys("org:a", "org:b");
    Await.result(state.close());
  }

  @Test
  void mutationsBeforeTheStoreIsOpenAreRefused() {
    StateService state = service();
    Throwable t = Await.failure(state.mutate(StateEntry.kid("k", "x"), audit()));
    assertThat(t).isInstanceOf(StoreUnavailableException.class);
  }
}

package io.portcullis.gateway.state;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portcullis.gateway.health.ReadinessCheck;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.pipeline.RevocationCheck;
import io.portcullis.gateway.pipeline.RouteSwitch;
import io.portcullis.gateway.state.StateEntry.Kind;
import io.portcullis.ratelimit.RateLimitPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's view of the durable state (SPEC §6): the {@link Store}, the in-memory {@link
 * Snapshot}, Redis pub/sub propagation and the periodic catch-up by revision.
 *
 * <p>Lifecycle: {@link #start()} returns at once and works in the background: it starts the store
 * (retrying every sync interval while it is unreachable), loads the full state, then catches up
 * every {@code syncInterval}. {@link #loaded()} completes after the first full load; {@link
 * #readiness()} is down until then and whenever the last successful catch-up is older than {@code
 * maxStaleness}.
 */
public final class StateService {
  private static final Logger LOG = LoggerFactory.getLogger(StateService.class);
  private static final Duration PRUNE_INTERVAL = Duration.ofMinutes(1);

  private final Vertx vertx;
  private final StateOptions options;
  private final Store store;
  private final Clock clock;
  private final Snapshot snapshot;
  private final StateBus bus;
  private final Timer propagation;
  private final Promise<Void> loaded = Promise.promise();
  private final List<Consumer<String>> kidListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<Map<String, RateLimitPolicy>>> overrideListeners =
      new CopyOnWriteArrayList<>();
  private final List<Consumer<StateEntry>> applyListeners = new CopyOnWriteArrayList<>();

  private volatile boolean storeStarted;
  private volatile boolean loadedFlag;
  private volatile long watermark;
  private volatile Instant lastSync;
  private volatile String lastError = "not started";
  private Instant lastPrune = Instant.EPOCH;
  private final java.util.concurrent.atomic.AtomicBoolean syncing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicBoolean again =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Guards {@link #overridesLive} and every override notification, so that reading the overrides
   * and handing them to the listeners is one step: whichever notification runs last read a snapshot
   * taken after every change applied before it (an admin change on the admin loop and a catch-up on
   * another loop can otherwise publish in the opposite order of their reads).
   */
  private final Object overridesLock = new Object();

  private boolean overridesLive; // guarded by overridesLock: set by the first full load
  private long timerId = -1;
  private volatile boolean closed;
  private volatile boolean failing;

  private StateService(
      Vertx vertx, StateOptions options, Store store, Clock clock, MeterRegistry registry) {
    this.vertx = vertx;
    this.options = options;
    this.store = store;
    this.clock = clock;
    this.snapshot = new Snapshot(clock);
    this.bus =
        options.redisUrl() == null
            ? null
            : new StateBus(vertx, options.redisUrl(), options.channel(), this::sync, this::sync);
    for (Kind kind :
        List.of(Kind.JTI, Kind.SUBJECT, Kind.TENANT, Kind.KID, Kind.SUSPENSION, Kind.ROUTE)) {
      Gauge.builder("portcullis.revocations.active", snapshot, s -> s.activeCount(kind))
          .description("Revocation state held in memory, by type")
          .tag("type", kind.label())
          .register(registry);
    }
    // For the PortcullisRevocationSyncStale alert (time() - this > bound): NaN until the first
    // successful catch-up, so "never synced" is not mistaken for "synced in 1970".
    Gauge.builder(
            "portcullis.revocation.last.sync.timestamp",
            this,
            s -> s.lastSync == null ? Double.NaN : s.lastSync.toEpochMilli() / 1000.0)
        .description("When this instance last caught up with the state store, Unix seconds")
        .baseUnit("seconds")
        .register(registry);
    this.propagation =
        Timer.builder("portcullis.revocation.propagation")
            .description("From a state change's commit to its application on this instance")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
  }

  /** The store chosen by {@code options} (PostgreSQL or embedded), propagation by Redis if set. */
  public static StateService create(
      Vertx vertx, StateOptions options, Clock clock, MeterRegistry registry) {
    return new StateService(vertx, options, Store.create(vertx, options, clock), clock, registry);
  }

  /** With a given store (tests). */
  public static StateService create(
      Vertx vertx, StateOptions options, Store store, Clock clock, MeterRegistry registry) {
    return new StateService(vertx, options, store, clock, registry);
  }

  /** Starts the background work; never fails for an unreachable store (readiness says so). */
  public Future<Void> start() {
    if (bus != null) {
      bus.start();
    }
    sync();
    timerId = vertx.setPeriodic(options.syncInterval().toMillis(), t -> sync());
    return Future.succeededFuture();
  }

  /** Completes after the first full load of the state. */
  public Future<Void> loaded() {
    return loaded.future();
  }

  public Future<Void> close() {
    closed = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    Future<Void> busClosed = bus == null ? Future.succeededFuture() : bus.close();
    return busClosed.eventually(store::close);
  }

  /** The in-memory state (SPEC §4 step 5), also a {@link RevocationCheck} of its own. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * The request path's revocation check: the {@link #snapshot()}, fail closed before the first full
   * load. Until then an empty snapshot would pass a revoked token, so every authenticated request
   * is refused 503 {@code auth_unavailable} ({@code /readyz} is 503 too, so a load balancer sends
   * nothing here). After the load a store outage never blocks the data path: the last snapshot
   * keeps being enforced.
   */
  public RevocationCheck revocationCheck() {
    return (token, org) -> loadedFlag ? snapshot.check(token, org) : ErrorCode.AUTH_UNAVAILABLE;
  }

  /** Step 2's route switch, from the same snapshot. */
  public RouteSwitch routeSwitch() {
    return snapshot::routeDisabled;
  }

  public Store store() {
    return store;
  }

  public StateOptions options() {
    return options;
  }

  /** {@code /readyz} part {@code revocations}. */
  public ReadinessCheck readiness() {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "revocations";
      }

      @Override
      public Status status() {
        if (!loaded.future().isComplete()) {
          return Status.down("initial revocation load not done: " + lastError);
        }
        Instant last = lastSync;
        Duration age = Duration.between(last, clock.instant());
        if (age.compareTo(options.maxStaleness()) > 0) {
          return Status.down(
              "revocation snapshot is "
                  + age.toSeconds()
                  + "s old (bound "
                  + options.maxStaleness().toSeconds()
                  + "s): "
                  + lastError);
        }
        return Status.up(
            "revision " + snapshot.revision() + ", synced " + age.toMillis() + "ms ago");
      }
    };
  }

  /** Called with the kid of every newly revoked key, on every instance (wire to the validator). */
  public void onKidRevoked(Consumer<String> listener) {
    kidListeners.add(listener);
  }

  /**
   * Called with every admin rate-limit override (subject → policy) after each change and after the
   * first load.
   */
  public void onOverridesChanged(Consumer<Map<String, RateLimitPolicy>> listener) {
    overrideListeners.add(listener);
  }

  /** Called for every entry applied here, wherever it came from (metrics, tests). */
  public void onApplied(Consumer<StateEntry> listener) {
    applyListeners.add(listener);
  }

  /**
   * Stores {@code change} with its audit event, applies it here and publishes it. Completes only
   * once both are durable; fails with {@link StoreUnavailableException} otherwise.
   */
  public Future<StateEntry> mutate(StateEntry change, AuditEvent audit) {
    if (!storeStarted) {
      return Future.failedFuture(new StoreUnavailableException("store not started", null));
    }
    return store
        .apply(change, audit)
        .onSuccess(
            committed -> {
              applyAll(List.of(committed), false);
              if (bus != null) {
                bus.publish(committed);
              }
            });
  }

  public Future<Void> audit(AuditEvent event) {
    if (!storeStarted) {
      return Future.failedFuture(new StoreUnavailableException("store not started", null));
    }
    return store.audit(event);
  }

  public Future<AuditStream> exportAudit(AuditQuery query) {
    if (!storeStarted) {
      return Future.failedFuture(new StoreUnavailableException("store not started", null));
    }
    return store.exportAudit(query);
  }

  public Future<List<AuditEvent>> recentAudit(String org, int limit) {
    if (!storeStarted) {
      return Future.failedFuture(new StoreUnavailableException("store not started", null));
    }
    return store.recentAudit(org, limit);
  }

  /**
   * One catch-up round: start the store if needed, then read everything after the watermark. Runs
   * on the timer and whenever the pub/sub doorbell rings; rings during a round are coalesced into
   * one more round after it, so none is lost and a flood of rings costs at most one read at a time.
   */
  void sync() {
    if (closed) {
      return;
    }
    // Ring first, then try to run: a round ending between a failed attempt and its ring would
    // otherwise miss it and leave the change to the next timer tick.
    again.set(true);
    if (!syncing.compareAndSet(false, true)) {
      return;
    }
    again.set(false);
    Future<Void> started =
        storeStarted ? Future.succeededFuture() : store.start().onSuccess(v -> storeStarted = true);
    started
        .compose(v -> store.changesSince(watermark))
        .onSuccess(
            entries -> {
              applyAll(entries, true);
              long max = watermark;
              for (StateEntry e : entries) {
                max = Math.max(max, e.revision());
              }
              watermark = max;
              lastSync = clock.instant();
              if (failing) {
                LOG.info("revocation catch-up works again at revision {}", max);
                failing = false;
              }
              lastError = "ok";
              if (!loaded.future().isComplete()) {
                LOG.info("revocation state loaded: revision {}, {} entries", max, entries.size());
                synchronized (overridesLock) { // before the flag: the first request sees them
                  overridesLive = true;
                  notifyOverrides();
                }
                loadedFlag = true;
                loaded.tryComplete();
              }
              prune();
            })
        .onFailure(
            e -> {
              lastError = e.getMessage();
              if (closed) {
                return;
              }
              if (!failing) {
                LOG.warn("revocation catch-up failed: {}", e.getMessage()); // once per outage
                failing = true;
              } else {
                LOG.debug("revocation catch-up still failing: {}", e.getMessage());
              }
            })
        .onComplete(
            ar -> {
              syncing.set(false);
              if (again.getAndSet(false)) {
                sync();
              }
            });
  }

  private void prune() {
    Instant now = clock.instant();
    if (Duration.between(lastPrune, now).compareTo(PRUNE_INTERVAL) < 0) {
      return;
    }
    lastPrune = now;
    snapshot.pruneExpired();
    store
        .pruneExpired(now.minus(Snapshot.JTI_GRACE))
        .onFailure(e -> LOG.debug("prune failed: {}", e.getMessage()));
  }

  /**
   * Applies entries to the snapshot and tells the listeners. {@code remote}: read from the store
   * (catch-up, rung by pub/sub or the timer), so its delay since commit is the propagation delay; a
   * change made here is applied at once and would only flatter the histogram.
   */
  private void applyAll(Collection<StateEntry> entries, boolean remote) {
    if (entries.isEmpty()) {
      return;
    }
    List<StateEntry> applied = snapshot.apply(entries);
    if (applied.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    boolean overridesChanged = false;
    for (StateEntry e : applied) {
      if (remote && e.committedAt() != null) {
        Duration delay = Duration.between(e.committedAt(), now);
        propagation.record(delay.isNegative() ? Duration.ZERO : delay);
      }
      if (e.kind() == Kind.KID && e.active()) {
        for (Consumer<String> l : kidListeners) {
          safely(() -> l.accept(e.key()));
        }
      }
      overridesChanged |= e.kind() == Kind.OVERRIDE;
      for (Consumer<StateEntry> l : applyListeners) {
        safely(() -> l.accept(e));
      }
    }
    if (overridesChanged) {
      synchronized (overridesLock) {
        if (overridesLive) {
          notifyOverrides();
        }
      }
    }
  }

  /** Every active admin override, parsed; an unparsable stored value is skipped and logged. */
  public Map<String, RateLimitPolicy> overrides() {
    Map<String, RateLimitPolicy> policies = new LinkedHashMap<>();
    for (StateEntry e : new ArrayList<>(snapshot.entries(Kind.OVERRIDE).values())) {
      if (e.active()) {
        try {
          policies.put(e.key(), RateLimitPolicy.parse(e.limit()));
        } catch (IllegalArgumentException ex) {
          LOG.warn("ignoring stored override for {}: {}", e.key(), ex.getMessage());
        }
      }
    }
    return Map.copyOf(policies);
  }

  /** Reads the overrides and hands them to the listeners; hold {@link #overridesLock}. */
  private void notifyOverrides() {
    Map<String, RateLimitPolicy> current = overrides();
    for (Consumer<Map<String, RateLimitPolicy>> l : overrideListeners) {
      safely(() -> l.accept(current));
    }
  }

  private static void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.error("state listener failed", e);
    }
  }
}

package io.portcullis.keyset.impl;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The refresh an unknown kid triggers (SPEC §4 step 4): every concurrent caller shares one
 * in-flight refresh, and a new one starts at most once per cooldown, so a flood of tokens with
 * random kids causes no flood of JWKS fetches. Inside the cooldown, callers get a completed future
 * and the caller reports the kid unknown.
 */
public final class UnknownKidRefresher {
  private final Supplier<Future<Void>> refresh;
  private final Clock clock;
  private final Duration cooldown;
  private Future<Void> inFlight;
  private Instant lastStart;

  public UnknownKidRefresher(Supplier<Future<Void>> refresh, Clock clock, Duration cooldown) {
    this.refresh = refresh;
    this.clock = clock;
    this.cooldown = cooldown;
  }

  /** Joins the in-flight refresh, starts one if the cooldown allows, else completes at once. */
  public synchronized Future<Void> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    Instant now = clock.instant();
    if (lastStart != null && now.isBefore(lastStart.plus(cooldown))) {
      return Future.succeededFuture();
    }
    lastStart = now;
    Future<Void> f = start();
    inFlight = f;
    // runs at once when f is already complete, which then clears inFlight again
    f.onComplete(ar -> clear(f));
    return f;
  }

  private Future<Void> start() {
    try {
      return refresh.get().otherwiseEmpty();
    } catch (RuntimeException e) {
      return Future.succeededFuture();
    }
  }

  private synchronized void clear(Future<Void> done) {
    if (inFlight == done) {
      inFlight = null;
    }
  }
}

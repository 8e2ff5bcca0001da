package io.portcullis.keyset;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.keyset.impl.DefaultKeySet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * The merged, live set of verification keys from every configured source (PEM map, key directory,
 * JWKS URLs), merged by {@code kid}. Each key is bound to exactly one algorithm.
 *
 * <p>Create with {@link #create}. The PEM-map and HMAC keys are usable as soon as it returns;
 * {@link #start()} adds the key directory and JWKS sources and starts their background refresh.
 */
public interface KeySet {

  /**
   * Creates a keyset. Publishes {@code portcullis_keyset_keys{source,state}}, {@code
   * portcullis_keyset_refresh_total{source,result}} ({@code result} is {@code success} or {@code
   * failure}), {@code portcullis_keyset_last_success_timestamp_seconds{source}} and, when a current
   * kid is configured, {@code portcullis_keyset_current_kid_present} (1/0) to {@code registry}.
   *
   * @param vertx runs the JWKS HTTP client, timers and the key-directory reads (on workers)
   * @param clock the time of first/last seen, last success and staleness; tests move it
   */
  static KeySet create(Vertx vertx, KeySetOptions options, Clock clock, MeterRegistry registry) {
    return new DefaultKeySet(vertx, options, clock, registry);
  }

  /**
   * Loads every source once and starts background refresh and file watching. Succeeds even when a
   * remote source is down: {@link #health()} tells whether the keyset is usable.
   */
  Future<Void> start();

  /** Stops timers and watchers. */
  Future<Void> close();

  /**
   * Refreshes every remote source now and re-reads the key directory (admin "refresh"). Every
   * source is tried; the future fails, naming each source and its error, when any of them could not
   * be refreshed (their last good keys stay in use, as after any failed refresh).
   */
  Future<Void> refresh();

  /** A snapshot of every key with its source and state, for the admin API and metrics. */
  List<KeyInfo> keys();

  /** Per-source status: last attempt, last success, last error. */
  List<SourceStatus> sources();

  /** Whether the keyset can validate tokens now, and why not. */
  KeySetHealth health();

  /** The JWS algorithm allow-list ({@code PORTCULLIS_ALGORITHMS}) the keyset was built with. */
  Set<String> algorithms();

  /**
   * The key bound to {@code kid}, or why there is none. Never blocks, never fetches: the hot path
   * of every validation.
   */
  KeyLookup lookup(String kid);

  /**
   * Refreshes the remote sources because a token named an unknown kid. Every concurrent caller
   * shares one in-flight refresh, and a new one starts at most once per {@code unknownKidCooldown};
   * inside the cooldown this completes at once. Never fails.
   */
  Future<Void> refreshForUnknownKid();
}

package io.portcullis.keyset.impl;

import io.portcullis.keyset.VerificationKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one key source currently contributes, and when it last refreshed. Written by the source's
 * loader (any thread), read by lookups: fields are volatile and the key map is replaced, never
 * mutated.
 */
public final class SourceState {
  private final String name;
  private final boolean canGoStale;
  private final Instant createdAt;
  private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
  private volatile Map<String, VerificationKey> keys = Map.of();
  private volatile Instant lastAttempt;
  private volatile Instant lastSuccess;
  private volatile String lastError;

  /**
   * @param name the source label: {@code pem}, {@code hmac}, {@code dir} or {@code jwks:<url>}
   * @param canGoStale false for configured keys (PEM map, HMAC), which cannot age
   */
  public SourceState(String name, boolean canGoStale, Instant createdAt) {
    this.name = name;
    this.canGoStale = canGoStale;
    this.createdAt = createdAt;
  }

  public String name() {
    return name;
  }

  /** False for configured keys (PEM map, HMAC): they never age. */
  public boolean canGoStale() {
    return canGoStale;
  }

  public Map<String, VerificationKey> keys() {
    return keys;
  }

  public Instant lastAttempt() {
    return lastAttempt;
  }

  public Instant lastSuccess() {
    return lastSuccess;
  }

  public String lastError() {
    return lastError;
  }

  public Instant firstSeen(String kid) {
    return firstSeen.get(kid);
  }

  /**
   * Whether this source's keys are past {@code maxStaleness}. A source that never succeeded ages
   * from its creation: a JWKS down since boot makes readiness fail after the same bound.
   */
  public boolean stale(Instant now, Duration maxStaleness) {
    if (!canGoStale) {
      return false;
    }
    Instant base = lastSuccess != null ? lastSuccess : createdAt;
    return now.isAfter(base.plus(maxStaleness));
  }

  /** Records a successful load that found {@code newKeys}. */
  public void succeeded(Map<String, VerificationKey> newKeys, Instant now) {
    // sightings of new kids before the swap and removal of old ones after it: a reader of keys()
    // always finds the first sighting of every key it sees
    newKeys.keySet().forEach(kid -> firstSeen.putIfAbsent(kid, now));
    this.keys = Map.copyOf(newKeys);
    firstSeen.keySet().retainAll(newKeys.keySet());
    this.lastAttempt = now;
    this.lastSuccess = now;
    this.lastError = null;
  }

  /** Records a successful check that found nothing changed. */
  public void confirmed(Instant now) {
    this.lastAttempt = now;
    this.lastSuccess = now;
    this.lastError = null;
  }

  /** Records a failure; the last good keys stay until they are stale. */
  public void failed(String error, Instant now) {
    this.lastAttempt = now;
    this.lastError = error;
  }
}

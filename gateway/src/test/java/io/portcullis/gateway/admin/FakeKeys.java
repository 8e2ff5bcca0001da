package io.portcullis.gateway.admin;

import io.portcullis.keyset.KeyInfo;
import io.portcullis.keyset.KeyLookup;
import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.KeySetHealth;
import io.portcullis.keyset.SourceStatus;
import io.portcullis.keyset.TokenValidator;
import io.portcullis.keyset.Validation;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Hand-written doubles of the keyset API: two keys from one source; records what it is asked. */
final class FakeKeys implements KeySet, TokenValidator {
  static final Instant SEEN = Instant.parse("2026-01-01T00:00:00Z");
  final AtomicInteger refreshes = new AtomicInteger();
  final List<String> invalidated = new CopyOnWriteArrayList<>();
  volatile boolean refreshFails;

  @Override
  public Future<Void> start() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> refresh() {
    refreshes.incrementAndGet();
    return refreshFails
        ? Future.failedFuture(new IllegalStateException("jwks down"))
        : Future.succeededFuture();
  }

  @Override
  public List<KeyInfo> keys() {
    return List.of(
        new KeyInfo("k1", "RS256", "pem", "active", SEEN, SEEN),
        new KeyInfo("k2", "ES256", "pem", "active", SEEN, SEEN));
  }

  @Override
  public List<SourceStatus> sources() {
    return List.of(new SourceStatus("pem", 2, SEEN, SEEN, null, false));
  }

  @Override
  public KeySetHealth health() {
    return new KeySetHealth(2, List.of(), "k2", true);
  }

  @Override
  public Set<String> algorithms() {
    return Set.of("RS256", "ES256");
  }

  @Override
  public KeyLookup lookup(String kid) {
    throw new UnsupportedOperationException("the admin API never looks keys up");
  }

  @Override
  public Future<Void> refreshForUnknownKid() {
    return refresh();
  }

  @Override
  public Future<Validation> validate(String compactToken) {
    throw new UnsupportedOperationException("the admin API never validates tokens");
  }

  @Override
  public void invalidateKid(String kid) {
    invalidated.add(kid);
  }
}

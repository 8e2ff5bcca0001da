package io.portcullis.keyset.impl;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.keyset.KeyInfo;
import io.portcullis.keyset.KeyLookup;
import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.KeySetHealth;
import io.portcullis.keyset.KeySetOptions;
import io.portcullis.keyset.SourceStatus;
import io.portcullis.keyset.VerificationKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link KeySet}: configured keys (PEM map, HMAC) loaded at construction, the key directory and
 * JWKS URLs loaded by {@link #start()} and refreshed in the background, merged by kid in a {@link
 * KeyCache}.
 */
public final class DefaultKeySet implements KeySet {
  private final KeySetOptions options;
  private final Clock clock;
  private final KeyCache cache;
  private final KeySetMetrics metrics;
  private final HttpClient httpClient;
  private final KeyDirWatcher dirWatcher;
  private final List<JwksFetcher> fetchers = new ArrayList<>();
  private final UnknownKidRefresher unknownKidRefresher;

  public DefaultKeySet(Vertx vertx, KeySetOptions options, Clock clock, MeterRegistry registry) {
    this.options = options;
    this.clock = clock;
    Instant now = clock.instant();
    List<SourceState> sources = new ArrayList<>();
    SourceState pem = options.pemKeys().isEmpty() ? null : new SourceState("pem", false, now);
    SourceState hmac = options.hmacKeys().isEmpty() ? null : new SourceState("hmac", false, now);
    SourceState dir = options.keysDir() == null ? null : new SourceState("dir", true, now);
    Map<URI, SourceState> jwks = new LinkedHashMap<>();
    options.jwksUrls().forEach(url -> jwks.put(url, new SourceState("jwks:" + url, true, now)));
    for (SourceState s : new SourceState[] {pem, hmac, dir}) {
      if (s != null) {
        sources.add(s);
      }
    }
    sources.addAll(jwks.values());
    this.cache = new KeyCache(sources, clock, options.maxStaleness());
    this.metrics =
        new KeySetMetrics(registry, cache, clock, options.maxStaleness(), options.currentKid());

    if (pem != null) {
      Map<String, VerificationKey> keys = new LinkedHashMap<>();
      options
          .pemKeys()
          .forEach(
              (kid, pk) -> {
                // checked by KeySetOptions.build(): parsing cannot fail here
                KeyBinder.Bound b = PemKeys.parse(pk.pem(), pk.algorithm());
                keys.put(kid, new VerificationKey(kid, b.algorithm(), "pem", b.verifier()));
              });
      pem.succeeded(keys, now);
      metrics.refreshed("pem", true);
    }
    if (hmac != null) {
      Map<String, VerificationKey> keys = new LinkedHashMap<>();
      options
          .hmacKeys()
          .forEach(
              (kid, hk) -> {
                KeyBinder.Bound b = KeyBinder.bindHmac(hk.secret(), hk.algorithm());
                keys.put(kid, new VerificationKey(kid, b.algorithm(), "hmac", b.verifier()));
              });
      hmac.succeeded(keys, now);
      metrics.refreshed("hmac", true);
    }
    cache.rebuild();

    this.dirWatcher =
        dir == null ? null : new KeyDirWatcher(vertx, dir, options, clock, cache::rebuild, metrics);
    if (jwks.isEmpty()) {
      this.httpClient = null;
    } else {
      this.httpClient =
          vertx.createHttpClient(
              new HttpClientOptions()
                  .setConnectTimeout((int) options.fetchTimeout().toMillis())
                  .setMaxRedirects(0));
      jwks.forEach(
          (url, state) ->
              fetchers.add(
                  new JwksFetcher(
                      vertx, httpClient, url, state, options, clock, cache::rebuild, metrics)));
    }
    this.unknownKidRefresher =
        new UnknownKidRefresher(this::refreshRemote, clock, options.unknownKidCooldown());
  }

  @Override
  public Future<Void> start() {
    List<Future<Void>> loads = new ArrayList<>();
    if (dirWatcher != null) {
      loads.add(dirWatcher.start());
    }
    fetchers.forEach(f -> loads.add(f.fetch()));
    return Future.join(loads).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    if (dirWatcher != null) {
      dirWatcher.close();
    }
    fetchers.forEach(JwksFetcher::close);
    return httpClient == null ? Future.succeededFuture() : httpClient.close();
  }

  @Override
  public Future<Void> refresh() {
    return refreshRemote()
        .compose(
            v -> {
              // each load records its own outcome: what failed just now still has an error
              List<String> failed = new ArrayList<>();
              for (SourceState s : cache.sources()) {
                if (s.canGoStale() && s.lastError() != null) {
                  failed.add(s.name() + ": " + s.lastError());
                }
              }
              return failed.isEmpty()
                  ? Future.succeededFuture()
                  : Future.failedFuture(
                      new IllegalStateException("refresh failed: " + String.join("; ", failed)));
            });
  }

  /** Every JWKS fetch (joining any in flight) and a key-directory re-read; never fails. */
  private Future<Void> refreshRemote() {
    List<Future<Void>> loads = new ArrayList<>();
    if (dirWatcher != null) {
      loads.add(dirWatcher.scan());
    }
    fetchers.forEach(f -> loads.add(f.fetch()));
    return loads.isEmpty() ? Future.succeededFuture() : Future.join(loads).mapEmpty();
  }

  @Override
  public Future<Void> refreshForUnknownKid() {
    if (dirWatcher == null && fetchers.isEmpty()) {
      return Future.succeededFuture();
    }
    return unknownKidRefresher.refresh();
  }

  @Override
  public Set<String> algorithms() {
    return options.algorithms();
  }

  @Override
  public KeyLookup lookup(String kid) {
    return cache.lookup(kid);
  }

  @Override
  public List<KeyInfo> keys() {
    Instant now = clock.instant();
    List<KeyInfo> out = new ArrayList<>();
    for (KeyCache.Merged m : cache.entries()) {
      SourceState source = m.source();
      out.add(
          new KeyInfo(
              m.key().kid(),
              m.key().algorithm(),
              source.name(),
              source.stale(now, options.maxStaleness()) ? "stale" : "active",
              m.firstSeen(),
              source.lastSuccess()));
    }
    out.sort(Comparator.comparing(KeyInfo::kid));
    return out;
  }

  @Override
  public List<SourceStatus> sources() {
    Instant now = clock.instant();
    return cache.sources().stream()
        .map(
            s ->
                new SourceStatus(
                    s.name(),
                    cache.contributedBy(s),
                    s.lastAttempt(),
                    s.lastSuccess(),
                    s.lastError(),
                    s.stale(now, options.maxStaleness())))
        .toList();
  }

  @Override
  public KeySetHealth health() {
    Instant now = clock.instant();
    List<String> stale =
        cache.sources().stream()
            .filter(s -> s.stale(now, options.maxStaleness()))
            .map(SourceState::name)
            .toList();
    String current = options.currentKid();
    return new KeySetHealth(
        cache.usableKeys(now), stale, current, current == null || cache.contains(current));
  }
}

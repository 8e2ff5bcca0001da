package io.portcullis.keyset.impl;

import io.portcullis.keyset.KeyLookup;
import io.portcullis.keyset.VerificationKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The merged kid → key view over every source, rebuilt whenever a source changes and swapped
 * atomically, so that a lookup is one map read and one staleness check. On a kid published by two
 * sources the earlier source in precedence order wins.
 */
public final class KeyCache {
  private static final Logger LOG = LoggerFactory.getLogger(KeyCache.class);

  private record Entry(SourceState source, KeyLookup found, Instant firstSeen) {}

  /**
   * One key of the merged view, taken from a single snapshot: its key, winning source and first
   * sighting always belong together, even while a source reloads.
   */
  public record Merged(VerificationKey key, SourceState source, Instant firstSeen) {}

  private final List<SourceState> sources;
  private final Clock clock;
  private final Duration maxStaleness;

  /** The merged keys and each source's share of them, published together. */
  private record View(Map<String, Entry> merged, Map<SourceState, Integer> contributed) {}

  private volatile View view = new View(Map.of(), Map.of());

  public KeyCache(List<SourceState> sourcesInPrecedence, Clock clock, Duration maxStaleness) {
    this.sources = List.copyOf(sourcesInPrecedence);
    this.clock = clock;
    this.maxStaleness = maxStaleness;
  }

  public List<SourceState> sources() {
    return sources;
  }

  /** Re-merges after a source changed. */
  public synchronized void rebuild() {
    Map<String, Entry> next = new HashMap<>();
    Map<SourceState, Integer> counts = new HashMap<>();
    for (SourceState source : sources) {
      int n = 0;
      for (VerificationKey key : source.keys().values()) {
        Entry previous = next.get(key.kid());
        if (previous != null) {
          LOG.warn(
              "kid {} is published by {} and {}; using {}",
              key.kid(),
              previous.source().name(),
              source.name(),
              previous.source().name());
          continue;
        }
        next.put(key.kid(), new Entry(source, KeyLookup.found(key), source.firstSeen(key.kid())));
        n++;
      }
      counts.put(source, n);
    }
    view = new View(Map.copyOf(next), Map.copyOf(counts));
  }

  /** The lookup of {@link io.portcullis.keyset.KeySet#lookup(String)}. */
  public KeyLookup lookup(String kid) {
    View v = view;
    Entry e = kid == null ? null : v.merged().get(kid);
    Instant now = clock.instant();
    if (e == null) {
      return usableKeys(v, now) > 0 ? KeyLookup.UNKNOWN : KeyLookup.NO_KEYS;
    }
    return e.source().stale(now, maxStaleness) ? KeyLookup.STALE : e.found();
  }

  /** Whether {@code kid} is in the merged view (stale or not). */
  public boolean contains(String kid) {
    return view.merged().containsKey(kid);
  }

  /** The source whose key won for {@code kid}, or {@code null}. */
  public SourceState sourceOf(String kid) {
    Entry e = view.merged().get(kid);
    return e == null ? null : e.source();
  }

  /** Keys of the merged view, each with its winning source, from one consistent snapshot. */
  public List<Merged> entries() {
    return view.merged().values().stream()
        .map(e -> new Merged(e.found().key(), e.source(), e.firstSeen()))
        .toList();
  }

  /** How many merged keys {@code source} contributes. */
  public int contributedBy(SourceState source) {
    return view.contributed().getOrDefault(source, 0);
  }

  /** Keys that can verify now: merged keys whose source is not stale. */
  public int usableKeys(Instant now) {
    return usableKeys(view, now);
  }

  private int usableKeys(View v, Instant now) {
    int n = 0;
    for (var e : v.contributed().entrySet()) {
      if (!e.getKey().stale(now, maxStaleness)) {
        n += e.getValue();
      }
    }
    return n;
  }
}

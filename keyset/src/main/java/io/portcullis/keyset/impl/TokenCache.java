package io.portcullis.keyset.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.portcullis.keyset.VerificationKey;
import io.portcullis.keyset.VerifiedToken;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;

/**
 * Verified tokens, bounded by size, keyed by the SHA-256 of the token (32 bytes instead of a
 * kilobyte-long string per entry). An entry expires at the token's {@code exp} exactly, never
 * later: the Caffeine ticker reads the injected clock, and a hit is checked against {@code exp}
 * once more. Tokens whose {@code nbf} is still in the future (accepted inside the skew) are not
 * cached. Each entry remembers the key instance that verified it, so that the validator serves it
 * only while that very key is still the one its kid names.
 */
public final class TokenCache {

  /** A verified token and the key that verified it. */
  public record Entry(VerifiedToken token, VerificationKey key) {}

  /** The digest as four longs: compact, with value equality. */
  record Key(long a, long b, long c, long d) {
    static Key of(byte[] sha256) {
      ByteBuffer bb = ByteBuffer.wrap(sha256);
      return new Key(bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong());
    }
  }

  private final Clock clock;
  private final Cache<Key, Entry> cache;

  public TokenCache(int maximumSize, Clock clock) {
    this.clock = clock;
    Ticker ticker = () -> nanos(clock.instant());
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .ticker(ticker)
            // maintenance inline: amortised O(1) per write, no surprise threads, deterministic
            .executor(Runnable::run)
            .expireAfter(
                new Expiry<Key, Entry>() {
                  @Override
                  public long expireAfterCreate(Key key, Entry value, long currentTime) {
                    return Math.max(0, nanos(value.token().expiresAt()) - currentTime);
                  }

                  @Override
                  public long expireAfterUpdate(
                      Key key, Entry value, long currentTime, long currentDuration) {
                    return expireAfterCreate(key, value, currentTime);
                  }

                  @Override
                  public long expireAfterRead(
                      Key key, Entry value, long currentTime, long currentDuration) {
                    return currentDuration;
                  }
                })
            .build();
  }

  /** The cached token for this digest, if present and not past {@code exp}. */
  public Entry get(byte[] sha256) {
    Entry e = cache.getIfPresent(Key.of(sha256));
    if (e != null && !clock.instant().isBefore(e.token().expiresAt())) {
      return null;
    }
    return e;
  }

  /** Caches a verified token unless its {@code nbf} is still in the future or it expired. */
  public void put(byte[] sha256, VerifiedToken token, VerificationKey key) {
    Instant now = clock.instant();
    if (!now.isBefore(token.expiresAt())) {
      return;
    }
    if (token.claims().get("nbf") instanceof Number nbf
        && nbf.doubleValue() * 1000.0 > now.toEpochMilli()) {
      return;
    }
    cache.put(Key.of(sha256), new Entry(token, key));
  }

  /** Drops every entry verified with {@code kid}. */
  public void invalidateKid(String kid) {
    cache.asMap().values().removeIf(e -> e.token().kid().equals(kid));
  }

  /** Approximate entry count (for tests and diagnostics). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  private static long nanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException overflow) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
    }
  }
}

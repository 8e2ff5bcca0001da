package io.portcullis.keyset.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.nimbusds.jose.crypto.MACVerifier;
import io.portcullis.keyset.KeyLookup;
import io.portcullis.keyset.VerificationKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The merged view: precedence, and snapshots that stay whole while a source reloads. */
class KeyCacheTest {
  static final Instant T0 = Instant.parse("2027-01-15T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

  static VerificationKey key(String kid, String source) throws Exception {
    return new VerificationKey(
        kid, "HS256", source, new MACVerifier("0123456789abcdef0123456789abcdef"));
  }

  @Test
  void aSourceReloadingBeforeTheRebuildLeavesTheListingWhole() throws Exception {
    SourceState dir = new SourceState("dir", true, T0);
    dir.succeeded(Map.of("a", key("a", "dir"), "b", key("b", "dir")), T0);
    KeyCache cache = new KeyCache(List.of(dir), CLOCK, Duration.ofHours(1));
    cache.rebuild();

    // the poller has replaced the source's keys but not yet rebuilt the merged view
    dir.succeeded(Map.of("a", key("a", "dir")), T0.plusSeconds(5));

    assertThat(cache.entries())
        .extracting(m -> m.key().kid(), m -> m.source().name(), KeyCache.Merged::firstSeen)
        .containsExactlyInAnyOrder(tuple("a", "dir", T0), tuple("b", "dir", T0));

    cache.rebuild();
    assertThat(cache.entries()).extracting(m -> m.key().kid()).containsExactly("a");
    assertThat(cache.lookup("b").status()).isEqualTo(KeyLookup.Status.UNKNOWN);
  }

  @Test
  void onAKidPublishedTwiceTheEarlierSourceWins() throws Exception {
    SourceState pem = new SourceState("pem", false, T0);
    SourceState jwks = new SourceState("jwks:https://idp/jwks", true, T0);
    pem.succeeded(Map.of("k", key("k", "pem")), T0);
    jwks.succeeded(Map.of("k", key("k", "jwks"), "j", key("j", "jwks")), T0);
    KeyCache cache = new KeyCache(List.of(pem, jwks), CLOCK, Duration.ofHours(1));
    cache.rebuild();

    assertThat(cache.sourceOf("k")).isSameAs(pem);
    assertThat(cache.lookup("k").key().source()).isEqualTo("pem");
    assertThat(cache.contributedBy(pem)).isEqualTo(1);
    assertThat(cache.contributedBy(jwks)).isEqualTo(1);
    assertThat(cache.usableKeys(T0)).isEqualTo(2);
  }
}

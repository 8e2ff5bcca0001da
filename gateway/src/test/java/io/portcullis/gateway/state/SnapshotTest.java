package io.portcullis.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.keyset.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotTest {
  static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  final MutableClock clock = new MutableClock(NOW);
  final Snapshot snapshot = new Snapshot(clock);
  long revision;

  /** A verified token of acme/alice signed by k1, jti j1, issued {@code iatAgo} before NOW. */
  static VerifiedToken token(String org, String sub, String kid, String jti, Instant iat) {
    return new VerifiedToken(
        kid,
        "RS256",
        "https://idp",
        sub,
        List.of("api"),
        NOW.plus(Duration.ofHours(1)),
        iat,
        jti,
        org == null ? Map.of() : Map.of("org_id", org),
        "fp");
  }

  static VerifiedToken alice(Instant iat) {
    return token("acme", "alice", "k1", "j1", iat);
  }

  void apply(StateEntry e) {
    snapshot.apply(List.of(e.committed(++revision, clock.instant())));
  }

  @Test
  void anUnrevokedTokenPasses() {
    assertThat(snapshot.check(alice(NOW), "acme")).isNull();
  }

  @Test
  void aRevokedJtiIsRefusedUntilItsTokenExpires() {
    apply(StateEntry.jti("j1", NOW.plus(Duration.ofHours(1)), null, null));
    assertThat(snapshot.check(alice(NOW), "acme")).isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snapshot.check(token("acme", "alice", "k1", "j2", NOW), "acme")).isNull();

    clock.advance(Duration.ofHours(1).plus(Snapshot.JTI_GRACE).plusSeconds(1));
    snapshot.pruneExpired();
    assertThat(snapshot.entries(StateEntry.Kind.JTI)).isEmpty();
  }

  @Test
  void aSubjectCutoffRevokesTokensIssuedAtOrBeforeItWithinItsTenantOnly() {
    apply(StateEntry.subject("acme", "alice", NOW, "device lost"));
    assertThat(snapshot.check(alice(NOW.minusSeconds(60)), "acme"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snapshot.check(alice(NOW), "acme")).isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snapshot.check(alice(NOW.plusSeconds(1)), "acme")).isNull();
    // the same sub in another tenant is another user
    assertThat(snapshot.check(token("globex", "alice", "k1", "j9", NOW.minusSeconds(60)), "globex"))
        .isNull();
    // another user of the same tenant
    assertThat(snapshot.check(token("acme", "bob", "k1", "j9", NOW.minusSeconds(60)), "acme"))
        .isNull();
  }

  @Test
  void aTokenWithoutIatUnderACutoffFailsClosed() {
    apply(StateEntry.subject("acme", "alice", NOW, null));
    assertThat(snapshot.check(alice(null), "acme")).isEqualTo(ErrorCode.TOKEN_REVOKED);
    apply(StateEntry.tenant("globex", NOW, "breach"));
    assertThat(snapshot.check(token("globex", "x", "k1", null, null), "globex"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
  }

  @Test
  void aTenantCutoffRevokesEverySessionIssuedBeforeIt() {
    apply(StateEntry.tenant("acme", NOW, "breach"));
    assertThat(snapshot.check(token("acme", "bob", "k1", "j7", NOW.minusSeconds(1)), "acme"))
        .isEqualTo(ErrorCode.TOKEN_REVOKED);
    assertThat(snapshot.check(token("acme", "bob", "k1", "j7", NOW.plusSeconds(1)), "acme"))
        .isNull();
    assertThat(snapshot.check(token("globex", "bob", "k1", "j7", NOW.minusSeconds(1)), "globex"))
        .isNull();
  }

  @Test
  void aRevokedKidRefusesEveryTokenItSigned() {
    apply(StateEntry.kid("k1", "compromised"));
    assertThat(snapshot.check(alice(NOW.plusSeconds(10)), "acme")).isEqualTo(ErrorCode.KEY_REVOKED);
    assertThat(snapshot.check(token("acme", "alice", "k2", "j1", NOW), "acme")).isNull();
  }

  @Test
  void suspendAndResume() {
    apply(StateEntry.suspension("acme", true, "abuse"));
    assertThat(snapshot.check(alice(NOW.plusSeconds(10)), "acme"))
        .isEqualTo(ErrorCode.ORG_SUSPENDED);
    assertThat(snapshot.check(token("globex", "a", "k1", "j", NOW), "globex")).isNull();
    apply(StateEntry.suspension("acme", false, null));
    assertThat(snapshot.check(alice(NOW.plusSeconds(10)), "acme")).isNull();
  }

  @Test
  void switchARouteOffAndOn() {
    apply(StateEntry.route("/orgs/{org}/", true, "INC-9"));
    assertThat(snapshot.routeDisabled("/orgs/{org}/")).isTrue();
    assertThat(snapshot.routeDisabled("/")).isFalse();
    assertThat(snapshot.activeCount(StateEntry.Kind.ROUTE)).isEqualTo(1);
    // a route switch is not a token verdict
    assertThat(snapshot.check(alice(NOW.plusSeconds(10)), "acme")).isNull();
    apply(StateEntry.route("/orgs/{org}/", false, null));
    assertThat(snapshot.routeDisabled("/orgs/{org}/")).isFalse();
    assertThat(snapshot.activeCount(StateEntry.Kind.ROUTE)).isZero();
  }

  @Test
  void anOlderEntryArrivingLateChangesNothing() {
    StateEntry suspend = StateEntry.suspension("acme", true, "abuse").committed(5, NOW);
    StateEntry resume = StateEntry.suspension("acme", false, null).committed(6, NOW);
    assertThat(snapshot.apply(List.of(resume))).containsExactly(resume);
    assertThat(snapshot.apply(List.of(suspend))).isEmpty(); // pub/sub after catch-up
    assertThat(snapshot.apply(List.of(resume))).isEmpty(); // the same twice
    assertThat(snapshot.check(alice(NOW), "acme")).isNull();
    assertThat(snapshot.revision()).isEqualTo(6);
  }

  @Test
  void activeCountsPerType() {
    apply(StateEntry.kid("k1", null));
    apply(StateEntry.suspension("acme", true, null));
    apply(StateEntry.suspension("globex", true, null));
    apply(StateEntry.suspension("globex", false, null));
    assertThat(snapshot.activeCount(StateEntry.Kind.KID)).isEqualTo(1);
    assertThat(snapshot.activeCount(StateEntry.Kind.SUSPENSION)).isEqualTo(1);
    assertThat(snapshot.activeCount(StateEntry.Kind.JTI)).isZero();
  }
}

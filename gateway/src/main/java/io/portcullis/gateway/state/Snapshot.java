package io.portcullis.gateway.state;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.pipeline.RevocationCheck;
import io.portcullis.gateway.state.StateEntry.Kind;
import io.portcullis.keyset.VerifiedToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-memory revocation state of one instance (SPEC §4 step 5): per kind an immutable map,
 * swapped atomically as a whole {@link State}, so the request path reads without locks and every
 * lookup is one hash probe.
 *
 * <p>Semantics:
 *
 * <ul>
 *   <li>jti: revoked until the token's {@code exp} (plus a grace for clock skew), then forgotten.
 *   <li>Subject cut-off, keyed by <em>(org, sub)</em>, not {@code sub} alone: {@code sub} is only
 *       unique within an issuer/tenant, and revoking "alice" of one tenant must not log out "alice"
 *       of another. A token whose org claim is absent cannot match a subject cut-off (it fails
 *       tenant context, step 6, anyway).
 *   <li>Tenant and subject cut-offs: a token issued at or before the cut-off is revoked; one issued
 *       after it passes. A token without {@code iat} under a cut-off is revoked: its issue time
 *       cannot be proved to be after the cut-off, so we fail closed. {@code iat} has second
 *       precision; a token issued in the same second as the cut-off is revoked.
 *   <li>Kid revoked: every token it signed, even if a key source still publishes it.
 *   <li>Suspended tenant: 403 {@code org_suspended} until resumed.
 *   <li>Disabled route: 503 {@code route_disabled} until enabled (step 2, {@link #routeDisabled}).
 * </ul>
 *
 * Entries replace older ones per (kind, key) by revision, so applying the same entry twice, or an
 * older one after a newer one (pub/sub and catch-up race), changes nothing.
 */
public final class Snapshot implements RevocationCheck {
  /** jti entries stay this long past {@code exp}, covering the validator's clock skew. */
  static final Duration JTI_GRACE = Duration.ofMinutes(5);

  private final Clock clock;
  private volatile State state = State.EMPTY;

  public Snapshot(Clock clock) {
    this.clock = clock;
  }

  /** Immutable once published; {@code maps} holds one map per kind, keyed by entry key. */
  record State(Map<Kind, Map<String, StateEntry>> maps, long revision) {
    static final State EMPTY = new State(emptyMaps(), 0);

    static Map<Kind, Map<String, StateEntry>> emptyMaps() {
      Map<Kind, Map<String, StateEntry>> maps = new EnumMap<>(Kind.class);
      for (Kind kind : Kind.values()) {
        maps.put(kind, Map.of());
      }
      return Collections.unmodifiableMap(maps);
    }

    Map<String, StateEntry> of(Kind kind) {
      return maps.get(kind);
    }
  }

  @Override
  public ErrorCode check(VerifiedToken token, String org) {
    State s = state;
    if (token.kid() != null) {
      StateEntry kid = s.of(Kind.KID).get(token.kid());
      if (kid != null && kid.active()) {
        return ErrorCode.KEY_REVOKED;
      }
    }
    if (token.jti() != null && s.of(Kind.JTI).containsKey(token.jti())) {
      return ErrorCode.TOKEN_REVOKED;
    }
    if (revokedBy(s.of(Kind.TENANT).get(StateEntry.ALL_TENANTS), token.issuedAt())) {
      return ErrorCode.TOKEN_REVOKED; // every session of every tenant
    }
    if (org != null) {
      StateEntry suspension = s.of(Kind.SUSPENSION).get(org);
      if (suspension != null && suspension.active()) {
        return ErrorCode.ORG_SUSPENDED;
      }
      if (revokedBy(s.of(Kind.TENANT).get(org), token.issuedAt())) {
        return ErrorCode.TOKEN_REVOKED;
      }
      if (token.subject() != null
          && revokedBy(
              s.of(Kind.SUBJECT).get(StateEntry.subjectKey(org, token.subject())),
              token.issuedAt())) {
        return ErrorCode.TOKEN_REVOKED;
      }
    }
    return null;
  }

  private static boolean revokedBy(StateEntry cutoff, Instant issuedAt) {
    if (cutoff == null) {
      return false;
    }
    return issuedAt == null || !issuedAt.isAfter(cutoff.cutoff()); // no iat: fail closed
  }

  /**
   * Applies entries (from this instance, pub/sub or catch-up) and returns those that changed
   * something, in order. Writers are serialised; readers never wait.
   */
  public synchronized List<StateEntry> apply(Collection<StateEntry> entries) {
    State current = state;
    Map<Kind, Map<String, StateEntry>> copies = new EnumMap<>(Kind.class);
    List<StateEntry> applied = new ArrayList<>();
    long revision = current.revision();
    Instant now = clock.instant();
    for (StateEntry e : entries) {
      Map<String, StateEntry> map = copies.get(e.kind());
      StateEntry existing = (map != null ? map : current.of(e.kind())).get(e.key());
      if (existing != null && existing.revision() >= e.revision()) {
        continue;
      }
      if (e.kind() == Kind.JTI && e.expiresAt().plus(JTI_GRACE).isBefore(now)) {
        continue; // the token is dead anyway
      }
      if (map == null) {
        map = new HashMap<>(current.of(e.kind()));
        copies.put(e.kind(), map);
      }
      map.put(e.key(), e);
      applied.add(e);
      revision = Math.max(revision, e.revision());
    }
    if (!copies.isEmpty()) {
      publish(current, copies, revision);
    }
    return applied;
  }

  /** Drops jti entries whose token expired (past the grace). */
  public synchronized void pruneExpired() {
    State current = state;
    Instant limit = clock.instant().minus(JTI_GRACE);
    Map<String, StateEntry> jtis = current.of(Kind.JTI);
    if (jtis.values().stream().noneMatch(e -> e.expiresAt().isBefore(limit))) {
      return;
    }
    Map<String, StateEntry> kept = new HashMap<>(jtis);
    kept.values().removeIf(e -> e.expiresAt().isBefore(limit));
    publish(current, Map.of(Kind.JTI, kept), current.revision());
  }

  private void publish(State current, Map<Kind, Map<String, StateEntry>> copies, long revision) {
    Map<Kind, Map<String, StateEntry>> maps = new EnumMap<>(current.maps());
    copies.forEach((kind, map) -> maps.put(kind, Collections.unmodifiableMap(map)));
    state = new State(Collections.unmodifiableMap(maps), revision);
  }

  /** The highest revision applied. */
  public long revision() {
    return state.revision();
  }

  /** Every current entry of {@code kind}, including inactive ones (resumed, removed). */
  public Map<String, StateEntry> entries(Kind kind) {
    return state.of(kind);
  }

  /**
   * Active entries of {@code kind}: what the {@code portcullis_revocations_active} gauge counts.
   */
  public long activeCount(Kind kind) {
    Map<String, StateEntry> map = state.of(kind);
    return kind == Kind.SUSPENSION
            || kind == Kind.OVERRIDE
            || kind == Kind.ROUTE
            || kind == Kind.KID
        ? map.values().stream().filter(StateEntry::active).count()
        : map.size();
  }

  public boolean kidRevoked(String kid) {
    return active(Kind.KID, kid) != null;
  }

  /** The suspension entry of {@code org} when suspended, else {@code null}. */
  public StateEntry suspension(String org) {
    return active(Kind.SUSPENSION, org);
  }

  /** Whether an operator has switched off the configured route with this path. */
  public boolean routeDisabled(String path) {
    return active(Kind.ROUTE, path) != null;
  }

  /** The active override for {@code subject}, or {@code null}. */
  public StateEntry override(String subject) {
    return active(Kind.OVERRIDE, subject);
  }

  private StateEntry active(Kind kind, String key) {
    StateEntry e = state.of(kind).get(key);
    return e != null && e.active() ? e : null;
  }
}

package io.portcullis.gateway.state;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * The current state of one piece of revocation state, at one revision. State is kept as "latest
 * value per (kind, key)" rather than as events, so applying an entry is idempotent and order-safe:
 * an entry replaces what is known for its key only when its revision is higher. Removals (tenant
 * resumed, override removed) are entries with {@code active == false}, so catch-up sees them.
 *
 * @param kind what this is
 * @param key the identity within the kind: jti, {@code org/sub}, org, kid, rate-limit subject or
 *     route path
 * @param org the tenant, where there is one
 * @param sub the subject, for {@link Kind#SUBJECT}
 * @param expiresAt the revoked token's {@code exp}, for {@link Kind#JTI}
 * @param cutoff "revoked before": tokens issued at or before it are revoked ({@link Kind#SUBJECT},
 *     {@link Kind#TENANT})
 * @param limit the override's rate-limit text, for {@link Kind#OVERRIDE}
 * @param active false for a resumed tenant, a removed override, a re-enabled route or a restored
 *     kid
 * @param reason the operator's reason, or {@code null}
 * @param revision the store's monotonically increasing revision, 0 before commit
 * @param committedAt when the store committed it, {@code null} before commit
 */
public record StateEntry(
    Kind kind,
    String key,
    String org,
    String sub,
    Instant expiresAt,
    Instant cutoff,
    String limit,
    boolean active,
    String reason,
    long revision,
    Instant committedAt) {

  /** The kinds of state; {@link #label()} is the {@code type} label of the metrics. */
  public enum Kind {
    JTI,
    SUBJECT,
    TENANT,
    KID,
    SUSPENSION,
    OVERRIDE,
    /** A configured route an operator switched off: its requests are 503 {@code route_disabled}. */
    ROUTE;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public StateEntry {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
  }

  /** {@code org} is optional: it only serves listing and audit filters. */
  public static StateEntry jti(String jti, Instant exp, String org, String reason) {
    return new StateEntry(
        Kind.JTI, jti, org, null, Objects.requireNonNull(exp), null, null, true, reason, 0, null);
  }

  /** Org ids cannot contain '/', so {@code org/sub} splits unambiguously at the first '/'. */
  public static String subjectKey(String org, String sub) {
    return org + "/" + sub;
  }

  public static StateEntry subject(String org, String sub, Instant cutoff, String reason) {
    return new StateEntry(
        Kind.SUBJECT, subjectKey(org, sub), org, sub, null, cutoff, null, true, reason, 0, null);
  }

  /**
   * The key of the every-tenant cut-off ({@code POST /admin/v1/revocations {"all": true}}): a
   * TENANT entry no org id can collide with, as {@code *} is outside {@code [A-Za-z0-9._:-]}.
   */
  public static final String ALL_TENANTS = "*";

  /** Every session of every tenant issued at or before {@code cutoff}. */
  public static StateEntry allTenants(Instant cutoff, String reason) {
    return new StateEntry(
        Kind.TENANT, ALL_TENANTS, null, null, null, cutoff, null, true, reason, 0, null);
  }

  public static StateEntry tenant(String org, Instant cutoff, String reason) {
    return new StateEntry(Kind.TENANT, org, org, null, null, cutoff, null, true, reason, 0, null);
  }

  public static StateEntry kid(String kid, String reason) {
    return kid(kid, true, reason);
  }

  /** A signing key revoked ({@code revoked}) or restored after a revocation. */
  public static StateEntry kid(String kid, boolean revoked, String reason) {
    return new StateEntry(Kind.KID, kid, null, null, null, null, null, revoked, reason, 0, null);
  }

  public static StateEntry suspension(String org, boolean suspended, String reason) {
    return new StateEntry(
        Kind.SUSPENSION, org, org, null, null, null, null, suspended, reason, 0, null);
  }

  /** A route switched off ({@code disabled}) or back on; {@code path} as configured. */
  public static StateEntry route(String path, boolean disabled, String reason) {
    return new StateEntry(
        Kind.ROUTE, path, null, null, null, null, null, disabled, reason, 0, null);
  }

  /** {@code limit == null} removes the override. */
  public static StateEntry override(String subject, String limit, String reason) {
    String org = subject.startsWith("org:") ? subject.substring(4) : null;
    return new StateEntry(
        Kind.OVERRIDE, subject, org, null, null, null, limit, limit != null, reason, 0, null);
  }

  /** The identity of this entry across kinds. */
  public String id() {
    return kind.name() + ":" + key;
  }

  public StateEntry committed(long newRevision, Instant at) {
    return new StateEntry(
        kind, key, org, sub, expiresAt, cutoff, limit, active, reason, newRevision, at);
  }

  /** The same entry with another cut-off (stores keep the later of two subject cut-offs). */
  public StateEntry withCutoff(Instant newCutoff) {
    return new StateEntry(
        kind, key, org, sub, expiresAt, newCutoff, limit, active, reason, revision, committedAt);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("kind", kind.name()).put("key", key);
    putIf(json, "org", org);
    putIf(json, "sub", sub);
    putIf(json, "exp", expiresAt == null ? null : expiresAt.toString());
    putIf(json, "cutoff", cutoff == null ? null : cutoff.toString());
    putIf(json, "limit", limit);
    json.put("active", active);
    putIf(json, "reason", reason);
    json.put("rev", revision);
    putIf(json, "at", committedAt == null ? null : committedAt.toString());
    return json;
  }

  public static StateEntry fromJson(JsonObject json) {
    return new StateEntry(
        Kind.valueOf(json.getString("kind")),
        json.getString("key"),
        json.getString("org"),
        json.getString("sub"),
        instant(json.getString("exp")),
        instant(json.getString("cutoff")),
        json.getString("limit"),
        json.getBoolean("active", true),
        json.getString("reason"),
        json.getLong("rev", 0L),
        instant(json.getString("at")));
  }

  static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }

  static void putIf(JsonObject json, String name, String value) {
    if (value != null) {
      json.put(name, value);
    }
  }
}

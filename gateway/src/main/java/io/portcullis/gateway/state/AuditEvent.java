package io.portcullis.gateway.state;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One audit event (SPEC §5): who did what to which target, why, from where, with what outcome. It
 * never carries a token or a secret: the admin API passes identifiers (jti, kid, org, subject) and
 * redacts token-shaped text from reasons.
 *
 * @param time when the call was handled
 * @param actor the admin token's name, or {@code anonymous} for a failed authentication
 * @param action e.g. {@code token.revoked}, {@code admin.auth_failed}
 * @param target what the action applies to, e.g. {@code kid:k1}, {@code org:acme}
 * @param org the tenant concerned, or {@code null}
 * @param reason the operator's reason, or {@code null}
 * @param source the client's address
 * @param requestId the request id
 * @param outcome {@code success}, {@code denied}, {@code rate_limited}, {@code invalid}, {@code
 *     failed}
 */
public record AuditEvent(
    Instant time,
    String actor,
    String action,
    String target,
    String org,
    String reason,
    String source,
    String requestId,
    String outcome) {

  /** The export's field order (SPEC §5). */
  public static final List<String> FIELDS =
      List.of(
          "time", "actor", "action", "target", "org", "reason", "source", "request_id", "outcome");

  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(outcome, "outcome");
  }

  /** The values in {@link #FIELDS} order; absent values are {@code null}. */
  public List<String> values() {
    return java.util.Arrays.asList(
        time.toString(), actor, action, target, org, reason, source, requestId, outcome);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    List<String> values = values();
    for (int i = 0; i < FIELDS.size(); i++) {
      json.put(FIELDS.get(i), values.get(i));
    }
    return json;
  }

  public static AuditEvent fromJson(JsonObject json) {
    return new AuditEvent(
        Instant.parse(json.getString("time")),
        json.getString("actor"),
        json.getString("action"),
        json.getString("target"),
        json.getString("org"),
        json.getString("reason"),
        json.getString("source"),
        json.getString("request_id"),
        json.getString("outcome"));
  }

  /** Whether this event passes the export filter. */
  public boolean matches(AuditQuery query) {
    return !time.isBefore(query.from())
        && time.isBefore(query.to())
        && query.actionMatches(action)
        && (query.org() == null || query.org().equals(org))
        && (query.actor() == null || query.actor().equals(actor));
  }

  /**
   * Admin calls that only read (listings, views, exports). They are audited like every call, but a
   * tenant's timeline ({@link Store#recentAudit}) leaves them out: a few page views must not push a
   * suspension out of it.
   */
  public static final List<String> READ_ACTIONS =
      List.of(
          "keys.listed",
          "revocations.listed",
          "tenants.listed",
          "tenant.viewed",
          "routes.listed",
          "ratelimit.override_viewed",
          "audit.exported",
          "admins.listed");

  /** Whether this event is a read ({@link #READ_ACTIONS}). */
  public boolean read() {
    return READ_ACTIONS.contains(action);
  }
}

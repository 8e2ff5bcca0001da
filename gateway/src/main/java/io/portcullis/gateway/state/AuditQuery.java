package io.portcullis.gateway.state;

import java.time.Instant;
import java.util.Objects;

/**
 * The audit export filter: {@code from} inclusive, {@code to} exclusive, optional action, org and
 * actor. {@code action} is one action ({@code tenant.suspended}) or a family ({@code tenant.*}:
 * every action starting {@code tenant.}).
 */
public record AuditQuery(Instant from, Instant to, String action, String org, String actor) {
  /** Bounds every store can represent (PostgreSQL timestamps end in year 294276). */
  public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");

  public static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");

  public AuditQuery {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    from = from.isBefore(MIN) ? MIN : from.isAfter(MAX) ? MAX : from;
    to = to.isBefore(MIN) ? MIN : to.isAfter(MAX) ? MAX : to;
  }

  public AuditQuery(Instant from, Instant to, String action, String org) {
    this(from, to, action, org, null);
  }

  /** For a family filter ({@code tenant.*}) its prefix ({@code tenant.}), else {@code null}. */
  public String actionPrefix() {
    return action != null && action.endsWith(".*")
        ? action.substring(0, action.length() - 1)
        : null;
  }

  /** Whether {@code candidate} passes the action filter. */
  public boolean actionMatches(String candidate) {
    if (action == null) {
      return true;
    }
    String prefix = actionPrefix();
    return prefix != null
        ? candidate != null && candidate.startsWith(prefix)
        : action.equals(candidate);
  }
}

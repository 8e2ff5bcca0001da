package io.portcullis.gateway.state;

import java.time.Instant;
import java.util.Objects;

/**
 * The audit export filter: {@code from} inclusive, {@code to} exclusive, optional action and org.
 */
public record AuditQuery(Instant from, Instant to, String action, String org) {
  /** Bounds every store can represent (PostgreSQL timestamps end in year 294276). */
  public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");

  public static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");

  public AuditQuery {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    from = from.isBefore(MIN) ? MIN : from.isAfter(MAX) ? MAX : from;
    to = to.isBefore(MIN) ? MIN : to.isAfter(MAX) ? MAX : to;
  }
}

package io.portcullis.gateway.state;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The durable source of truth for revocations, suspensions, rate-limit overrides and the audit log
 * (SPEC §6). Two implementations behind one contract suite: {@link PostgresStore} and the embedded
 * {@link JournalStore}. Every method is non-blocking; a failure to write fails the future and
 * nothing is acknowledged.
 */
public interface Store {

  /** PostgreSQL when {@code databaseUrl} is set, else the embedded journal under the data dir. */
  static Store create(Vertx vertx, StateOptions options, Clock clock) {
    return options.databaseUrl() != null
        ? new PostgresStore(vertx, options.databaseUrl(), clock)
        : new JournalStore(vertx, options.dataDir(), clock);
  }

  /** Migrates (PostgreSQL) or replays the journal (embedded). May be retried after a failure. */
  Future<Void> start();

  Future<Void> close();

  /**
   * Stores one change and its audit event atomically, assigning the next revision and the commit
   * time. Completes only once both are durable.
   */
  Future<StateEntry> apply(StateEntry change, AuditEvent audit);

  /** Stores an audit event that changes no state (reads, refreshes, failed authentication). */
  Future<Void> audit(AuditEvent event);

  /**
   * The current entry of every key changed after {@code revision}, ordered by revision; {@code 0}
   * gives the full state. Expired jti revocations may be left out.
   */
  Future<List<StateEntry>> changesSince(long revision);

  /** Streams the matching audit events in time order, with back-pressure. */
  Future<AuditStream> exportAudit(AuditQuery query);

  /**
   * The latest {@code limit} events about {@code org}, newest first, reads left out ({@link
   * AuditEvent#READ_ACTIONS}): the tenant's timeline of changes and refused attempts.
   */
  Future<List<AuditEvent>> recentAudit(String org, int limit);

  /** Forgets jti revocations whose token expired before {@code before}. */
  Future<Void> pruneExpired(Instant before);
}

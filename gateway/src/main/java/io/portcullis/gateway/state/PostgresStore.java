package io.portcullis.gateway.state;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL through the reactive Vert.x client. Flyway migrations ({@code db/migration}) run once
 * at start on a worker thread (Flyway is JDBC). Each change is one transaction: advisory lock, next
 * revision, upsert of the state row, insert of its audit event.
 */
final class PostgresStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

  /** Serialises writers so that revision order equals commit order (catch-up never skips). */
  private static final long WRITE_LOCK = 0x706f7274L;

  private static final long QUERY_TIMEOUT_MS = 5_000;
  private static final int EXPORT_FETCH = 200;

  private static final String CHANGES_SINCE =
      """
      SELECT kind, key, org, sub, expires_at, cutoff, NULL::text AS rate_limit, active,
             reason, revision, committed_at
        FROM revocations WHERE revision > $1 AND (kind <> 'JTI' OR expires_at > $2)
      UNION ALL
      SELECT 'SUSPENSION', org, org, NULL, NULL, NULL, NULL, suspended, reason, revision,
             committed_at
        FROM tenant_states WHERE revision > $1
      UNION ALL
      SELECT 'OVERRIDE', subject, NULL, NULL, NULL, NULL, rate_limit, rate_limit IS NOT NULL,
             reason, revision, committed_at
        FROM rate_limit_overrides WHERE revision > $1
      UNION ALL
      SELECT 'ROUTE', route, NULL, NULL, NULL, NULL, NULL, disabled, reason, revision,
             committed_at
        FROM route_states WHERE revision > $1
      ORDER BY revision
      """;

  private static final String UPSERT_REVOCATION =
      """
      INSERT INTO revocations (kind, key, org, sub, expires_at, cutoff, reason, revision,
                               committed_at, active)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      ON CONFLICT (kind, key) DO UPDATE SET
        org = EXCLUDED.org, sub = EXCLUDED.sub, expires_at = EXCLUDED.expires_at,
        cutoff = GREATEST(revocations.cutoff, EXCLUDED.cutoff), reason = EXCLUDED.reason,
        revision = EXCLUDED.revision, committed_at = EXCLUDED.committed_at,
        active = EXCLUDED.active
      RETURNING cutoff
      """;

  private static final String UPSERT_TENANT =
      """
      INSERT INTO tenant_states (org, suspended, reason, revision, committed_at)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (org) DO UPDATE SET suspended = EXCLUDED.suspended, reason = EXCLUDED.reason,
        revision = EXCLUDED.revision, committed_at = EXCLUDED.committed_at
      RETURNING NULL::timestamptz AS cutoff
      """;

  private static final String UPSERT_OVERRIDE =
      """
      INSERT INTO rate_limit_overrides (subject, rate_limit, reason, revision, committed_at)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (subject) DO UPDATE SET rate_limit = EXCLUDED.rate_limit,
        reason = EXCLUDED.reason, revision = EXCLUDED.revision,
        committed_at = EXCLUDED.committed_at
      RETURNING NULL::timestamptz AS cutoff
      """;

  private static final String UPSERT_ROUTE =
      """
      INSERT INTO route_states (route, disabled, reason, revision, committed_at)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (route) DO UPDATE SET disabled = EXCLUDED.disabled, reason = EXCLUDED.reason,
        revision = EXCLUDED.revision, committed_at = EXCLUDED.committed_at
      RETURNING NULL::timestamptz AS cutoff
      """;

  private static final String INSERT_AUDIT =
      """
      INSERT INTO audit_events (time, actor, action, target, org, reason, source, request_id,
                                outcome, revision)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
      """;

  private static final String AUDIT_COLUMNS =
      "time, actor, action, target, org, reason, source, request_id, outcome";

  private final Vertx vertx;
  private final PgConnectOptions connectOptions;
  private final Clock clock;
  private Pool pool;
  private boolean migrated;

  PostgresStore(Vertx vertx, String databaseUrl, Clock clock) {
    this.vertx = vertx;
    this.connectOptions = PgConnectOptions.fromUri(databaseUrl);
    this.connectOptions.setReconnectAttempts(0);
    this.clock = clock;
  }

  @Override
  public Future<Void> start() {
    if (pool == null) {
      pool =
          PgBuilder.pool()
              .with(new PoolOptions().setMaxSize(4).setConnectionTimeout(3).setMaxWaitQueueSize(64))
              .with(new NetClientOptions().setConnectTimeout(2_000))
              .connectingTo(connectOptions)
              .using(vertx)
              .build();
    }
    if (migrated) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(
            () -> {
              String jdbc =
                  "jdbc:postgresql://"
                      + connectOptions.getHost()
                      + ":"
                      + connectOptions.getPort()
                      + "/"
                      + connectOptions.getDatabase()
                      + "?connectTimeout=3&socketTimeout=60";
              var result =
                  Flyway.configure()
                      .dataSource(jdbc, connectOptions.getUser(), connectOptions.getPassword())
                      .locations("classpath:db/migration")
                      .load()
                      .migrate();
              LOG.info(
                  "PostgreSQL store: schema at version {} ({} migrations applied)",
                  result.targetSchemaVersion,
                  result.migrationsExecuted);
              return null;
            })
        .<Void>mapEmpty()
        .onSuccess(v -> migrated = true)
        .recover(e -> Future.failedFuture(unavailable("migrate", e)));
  }

  @Override
  public Future<Void> close() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  @Override
  public Future<StateEntry> apply(StateEntry change, AuditEvent audit) {
    return requirePool()
        .withTransaction(
            conn ->
                conn.query("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")")
                    .execute()
                    .compose(v -> conn.query("SELECT nextval('state_revision')").execute())
                    .compose(
                        rows -> {
                          long revision = rows.iterator().next().getLong(0);
                          StateEntry committed = change.committed(revision, clock.instant());
                          return upsert(conn, committed)
                              .map(
                                  stored ->
                                      stored.size() > 0
                                              && stored.iterator().next().getOffsetDateTime(0)
                                                  != null
                                          ? committed.withCutoff(
                                              stored
                                                  .iterator()
                                                  .next()
                                                  .getOffsetDateTime(0)
                                                  .toInstant())
                                          : committed)
                              .compose(
                                  stored ->
                                      conn.preparedQuery(INSERT_AUDIT)
                                          .execute(auditTuple(audit, revision))
                                          .map(stored));
                        }))
        .timeout(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(unavailable("write", e)));
  }

  private static Future<RowSet<Row>> upsert(SqlConnection conn, StateEntry e) {
    OffsetDateTime at = ts(e.committedAt());
    return switch (e.kind()) {
      case JTI, SUBJECT, TENANT, KID ->
          conn.preparedQuery(UPSERT_REVOCATION)
              .execute(
                  Tuple.of(
                      e.kind().name(),
                      e.key(),
                      e.org(),
                      e.sub(),
                      ts(e.expiresAt()),
                      ts(e.cutoff()),
                      e.reason(),
                      e.revision(),
                      at,
                      e.active()));
      case SUSPENSION ->
          conn.preparedQuery(UPSERT_TENANT)
              .execute(Tuple.of(e.key(), e.active(), e.reason(), e.revision(), at));
      case OVERRIDE ->
          conn.preparedQuery(UPSERT_OVERRIDE)
              .execute(Tuple.of(e.key(), e.limit(), e.reason(), e.revision(), at));
      case ROUTE ->
          conn.preparedQuery(UPSERT_ROUTE)
              .execute(Tuple.of(e.key(), e.active(), e.reason(), e.revision(), at));
    };
  }

  private static Tuple auditTuple(AuditEvent a, Long revision) {
    return Tuple.from(
        new Object[] {
          ts(a.time()),
          a.actor(),
          a.action(),
          a.target(),
          a.org(),
          a.reason(),
          a.source(),
          a.requestId(),
          a.outcome(),
          revision
        });
  }

  @Override
  public Future<Void> audit(AuditEvent event) {
    return requirePool()
        .preparedQuery(INSERT_AUDIT)
        .execute(auditTuple(event, null))
        .<Void>mapEmpty()
        .timeout(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(unavailable("write audit", e)));
  }

  @Override
  public Future<List<StateEntry>> changesSince(long revision) {
    return requirePool()
        .preparedQuery(CHANGES_SINCE)
        .execute(Tuple.of(revision, ts(clock.instant())))
        .map(
            rows -> {
              List<StateEntry> entries = new ArrayList<>(rows.size());
              for (Row r : rows) {
                entries.add(
                    new StateEntry(
                        StateEntry.Kind.valueOf(r.getString(0)),
                        r.getString(1),
                        r.getString(2),
                        r.getString(3),
                        instant(r.getOffsetDateTime(4)),
                        instant(r.getOffsetDateTime(5)),
                        r.getString(6),
                        r.getBoolean(7),
                        r.getString(8),
                        r.getLong(9),
                        instant(r.getOffsetDateTime(10))));
              }
              return entries;
            })
        .timeout(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(unavailable("read", e)));
  }

  /** A server-side cursor inside a read-only transaction: memory stays bounded by the fetch. */
  @Override
  public Future<AuditStream> exportAudit(AuditQuery query) {
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(AUDIT_COLUMNS)
            .append(" FROM audit_events WHERE time >= $1 AND time < $2");
    List<Object> args = new ArrayList<>(List.of(ts(query.from()), ts(query.to())));
    if (query.actionPrefix() != null) {
      args.add(query.actionPrefix());
      sql.append(" AND starts_with(action, $").append(args.size()).append(")");
    } else if (query.action() != null) {
      args.add(query.action());
      sql.append(" AND action = $").append(args.size());
    }
    if (query.org() != null) {
      args.add(query.org());
      sql.append(" AND org = $").append(args.size());
    }
    if (query.actor() != null) {
      args.add(query.actor());
      sql.append(" AND actor = $").append(args.size());
    }
    sql.append(" ORDER BY time, id");
    return requirePool()
        .getConnection()
        .compose(
            conn ->
                conn.begin()
                    .compose(
                        (Transaction tx) ->
                            conn.prepare(sql.toString())
                                .map(
                                    ps -> {
                                      RowStream<Row> rows =
                                          ps.createStream(EXPORT_FETCH, Tuple.from(args));
                                      return (AuditStream)
                                          new ClosingReadStream(
                                              new FilteredReadStream<Row, AuditEvent>(
                                                  rows, PostgresStore::auditEvent),
                                              () ->
                                                  rows.close()
                                                      .eventually(tx::commit)
                                                      .eventually(conn::close));
                                    }))
                    .onFailure(e -> conn.close()))
        .recover(e -> Future.failedFuture(unavailable("export", e)));
  }

  private static AuditEvent auditEvent(Row r) {
    return new AuditEvent(
        r.getOffsetDateTime(0).toInstant(),
        r.getString(1),
        r.getString(2),
        r.getString(3),
        r.getString(4),
        r.getString(5),
        r.getString(6),
        r.getString(7),
        r.getString(8));
  }

  @Override
  public Future<List<AuditEvent>> recentAudit(String org, int limit) {
    return requirePool()
        .preparedQuery(
            "SELECT "
                + AUDIT_COLUMNS
                + " FROM audit_events WHERE org = $1 AND action <> ALL($3)"
                + " ORDER BY time DESC, id DESC LIMIT $2")
        .execute(Tuple.of(org, limit, AuditEvent.READ_ACTIONS.toArray(String[]::new)))
        .map(
            rows -> {
              List<AuditEvent> events = new ArrayList<>(rows.size());
              rows.forEach(r -> events.add(auditEvent(r)));
              return events;
            })
        .timeout(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(unavailable("read audit", e)));
  }

  @Override
  public Future<Void> pruneExpired(Instant before) {
    return requirePool()
        .preparedQuery("DELETE FROM revocations WHERE kind = 'JTI' AND expires_at < $1")
        .execute(Tuple.of(ts(before)))
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(unavailable("prune", e)));
  }

  private Pool requirePool() {
    if (pool == null) {
      throw new StoreUnavailableException("PostgreSQL store not started", null);
    }
    return pool;
  }

  private static StoreUnavailableException unavailable(String what, Throwable cause) {
    return cause instanceof StoreUnavailableException s
        ? s
        : new StoreUnavailableException("PostgreSQL " + what + " failed: " + cause, cause);
  }

  private static OffsetDateTime ts(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}

package io.portcullis.gateway.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testkit.PostgresServer;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/** The contract on PostgreSQL (a fresh database per test), plus the migration itself. */
class PostgresStoreIT extends StoreContract {
  private String url;

  @Override
  Store open(Vertx vertx, MutableClock clock) {
    PostgresServer pg = PostgresServer.shared();
    url = pg.url(pg.createDatabase());
    return new PostgresStore(vertx, url, clock);
  }

  @Override
  Store reopen(Vertx vertx, MutableClock clock) {
    return new PostgresStore(vertx, url, clock);
  }

  @Test
  void migrationsCreateTheTablesAndTheIndexesForExportAndCatchUp() throws Exception {
    String db = url.substring(url.lastIndexOf('/') + 1);
    try (Connection c = PostgresServer.shared().connect(db);
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")) {
      java.util.List<String> names = new java.util.ArrayList<>();
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      assertThat(names)
          .contains(
              "audit_events_time",
              "audit_events_org_time",
              "revocations_revision",
              "tenant_states_revision",
              "rate_limit_overrides_revision");
    }
    // a second start on a migrated database is a no-op
    Store again = reopen(vertx, clock);
    Await.result(again.start());
    Await.result(again.close());
  }

  @Test
  void aChangeAndItsAuditEventShareTheRevision() throws Exception {
    StateEntry e = apply(StateEntry.kid("k1", "x"), "key.revoked");
    String db = url.substring(url.lastIndexOf('/') + 1);
    try (Connection c = PostgresServer.shared().connect(db);
        ResultSet rs =
            c.createStatement().executeQuery("SELECT action, revision FROM audit_events")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("key.revoked");
      assertThat(rs.getLong(2)).isEqualTo(e.revision());
    }
  }
}

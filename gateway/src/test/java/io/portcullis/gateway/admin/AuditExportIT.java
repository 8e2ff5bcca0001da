package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.state.Await;
import io.portcullis.gateway.state.StateOptions;
import io.portcullis.testkit.PostgresServer;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit export from PostgreSQL over HTTP: a server-side cursor, released when the client goes.
 */
class AuditExportIT {
  static final String SECRET = "s3cret-ops-token-0001";
  static final int ROWS = 50_000;
  Vertx vertx;
  AdminHarness admin;
  String db;

  @BeforeEach
  void setUp() throws Exception {
    PostgresServer pg = PostgresServer.shared();
    db = pg.createDatabase();
    vertx = Vertx.vertx();
    StateOptions opts =
        new StateOptions(
            pg.url(db),
            Path.of("unused"),
            null,
            Duration.ofSeconds(2),
            Duration.ofSeconds(30),
            null);
    admin = new AdminHarness(vertx, opts, AdminTokens.parse("ops=" + SECRET), Clock.systemUTC());
    try (Connection c = pg.connect(db);
        Statement s = c.createStatement()) {
      s.execute(
          "INSERT INTO audit_events (time, actor, action, target, org, reason, source, request_id,"
              + " outcome) SELECT now() - interval '1 hour' + g * interval '1 ms', 'ops',"
              + " 'tenant.viewed', 'org:t' || g, 't' || (g % 10), 'row ' || g || ', \"x\"',"
              + " '10.0.0.1', 'r' || g, 'success' FROM generate_series(1, "
              + ROWS
              + ") g");
    }
  }

  @AfterEach
  void tearDown() {
    admin.close();
    Await.result(vertx.close());
  }

  String request(String query) {
    return "GET /admin/v1/audit?"
        + query
        + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + SECRET
        + "\r\nConnection: close\r\n\r\n";
  }

  @Test
  void aWholeExportStreamsEveryRow() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", admin.port())) {
      socket
          .getOutputStream()
          .write(request("format=csv&org=t3").getBytes(StandardCharsets.US_ASCII));
      String body = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(body).containsIgnoringCase("transfer-encoding: chunked");
      assertThat(body).contains("time,actor,action,target,org,reason,source,request_id,outcome");
      assertThat(body.split("tenant.viewed", -1)).hasSize(ROWS / 10 + 1);
      assertThat(body).contains(",\"row 13, \"\"x\"\"\",");
    }
  }

  @Test
  void aClientThatGoesAwayMidExportLeavesNoTransactionOpen() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", admin.port())) {
      socket.setReceiveBufferSize(4096);
      OutputStream out = socket.getOutputStream();
      out.write(request("format=json").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] some = new byte[8192];
      int read = in.readNBytes(some, 0, some.length);
      assertThat(read).isEqualTo(some.length);
      Await.until(
          () -> openTransactions() == 1, Duration.ofSeconds(5), "the export holds its cursor");
    }
    Await.until(() -> openTransactions() == 0, Duration.ofSeconds(10), "cursor released");
  }

  int openTransactions() {
    try (Connection c = PostgresServer.shared().connect(db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND state LIKE 'idle in transaction%'")) {
      rs.next();
      return rs.getInt(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.portcullis.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class ServersTest {

  @Test
  void privateRedisStopsAndComesBackOnTheSamePort() {
    try (RedisServer redis = RedisServer.startPrivate()) {
      int port = redis.port();
      assertThat(Ports.listening(port)).isTrue();
      redis.stop();
      assertThat(Ports.listening(port)).isFalse();
      redis.start();
      assertThat(redis.port()).isEqualTo(port);
      assertThat(Ports.listening(port)).isTrue();
    }
  }

  @Test
  void sharedPostgresGivesEachTestItsOwnDatabase() throws Exception {
    PostgresServer pg = PostgresServer.shared();
    String a = pg.createDatabase();
    String b = pg.createDatabase();
    assertThat(a).isNotEqualTo(b);
    try (Connection c = pg.connect(a);
        ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(a);
    }
  }

  @Test
  void privatePostgresKeepsItsDataAcrossARestart() throws Exception {
    try (PostgresServer pg = PostgresServer.startPrivate()) {
      String db = pg.createDatabase();
      try (Connection c = pg.connect(db)) {
        c.createStatement().execute("create table t(x int); insert into t values (42)");
      }
      pg.stop();
      assertThat(Ports.listening(pg.port())).isFalse();
      pg.start();
      try (Connection c = pg.connect(db);
          ResultSet rs = c.createStatement().executeQuery("select x from t")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
    }
  }

  /**
   * The fallback of a machine without the servers or their Debian packages: the binaries packaged
   * in Maven Central jars start, serve and restart exactly like the machine's. Runs on every
   * machine, so the fallback is known to work before a fresh machine needs it.
   */
  @Test
  void embeddedRedisServesAndRestarts() throws Exception {
    assertThat(Binaries.redisServer(Binaries.Source.EMBEDDED).toString())
        .contains("portcullis-testkit");
    try (RedisServer redis = RedisServer.startPrivate(Binaries.Source.EMBEDDED)) {
      assertThat(Resp.command(redis.port(), "PING")).isEqualTo("PONG");
      redis.stop();
      assertThat(Ports.listening(redis.port())).isFalse();
      redis.start();
      assertThat(Resp.command(redis.port(), "PING")).isEqualTo("PONG");
    }
  }

  @Test
  void embeddedPostgresServesAndKeepsItsData() throws Exception {
    try (PostgresServer pg = PostgresServer.startPrivate(Binaries.Source.EMBEDDED)) {
      String db = pg.createDatabase();
      try (Connection c = pg.connect(db)) {
        c.createStatement().execute("create table t(x int); insert into t values (7)");
        ResultSet rs = c.createStatement().executeQuery("show server_version");
        rs.next();
        assertThat(rs.getString(1)).startsWith("16.");
      }
      pg.stop();
      pg.start();
      try (Connection c = pg.connect(db);
          ResultSet rs = c.createStatement().executeQuery("select x from t")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(7);
      }
    }
  }
}

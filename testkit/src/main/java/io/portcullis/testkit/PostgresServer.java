package io.portcullis.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for tests. {@link #shared()} is the machine's server on 127.0.0.1:5432 (trust
 * auth, user {@code postgres}) when one runs, otherwise a cluster this JVM creates ({@link
 * Binaries#postgresBin()}: the machine's binaries, else the embedded ones); tests isolate
 * themselves with {@link #createDatabase()}. {@link #startPrivate()} creates a cluster of the
 * test's own on a free port, for fault injection: {@link #stop()} and {@link #start()} take it down
 * and bring it back with its data.
 *
 * <p>Never skips: with no server it creates one, from the Debian packages or the embedded binaries.
 * A root JVM runs the cluster as {@code postgres} (or {@code nobody}): PostgreSQL refuses root.
 */
public final class PostgresServer implements AutoCloseable {
  private static final int MACHINE_PORT = 5432;
  private static final String USER = "postgres";
  private static PostgresServer shared;

  private final int port;
  private final Path dataDir;
  private final Path bin;
  private final String runAs;

  private PostgresServer(int port, Path dataDir, Path bin, String runAs) {
    this.port = port;
    this.dataDir = dataDir;
    this.bin = bin;
    this.runAs = runAs;
  }

  /** The PostgreSQL every test may share (isolate with {@link #createDatabase()}). */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      if (Ports.listening(MACHINE_PORT)) {
        shared = new PostgresServer(MACHINE_PORT, null, null, null);
      } else {
        shared = startPrivate();
        Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
      }
    }
    return shared;
  }

  /** A cluster of the caller's own on a free port; close it when done. */
  public static PostgresServer startPrivate() {
    return startPrivate(null);
  }

  /** As {@link #startPrivate()}, from the given binary source ({@code null}: the default). */
  public static PostgresServer startPrivate(Binaries.Source source) {
    Path bin = source == null ? Binaries.postgresBin() : Binaries.postgresBin(source);
    String runAs = Processes.isRoot() ? Processes.serverUser() : null;
    try {
      Path dir = Files.createTempDirectory("portcullis-pg-");
      Path data = dir.resolve("data");
      Files.createDirectories(data);
      chownTo(runAs, dir);
      Processes.run(
          Processes.as(
              runAs,
              List.of(
                  bin.resolve("initdb").toString(),
                  "-D",
                  data.toString(),
                  "-U",
                  USER,
                  "--auth=trust",
                  "--no-sync",
                  "-E",
                  "UTF8")),
          dir.resolve("initdb.log"));
      PostgresServer server = new PostgresServer(Ports.free(), data, bin, runAs);
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  public String user() {
    return USER;
  }

  /** Creates a fresh, empty database and returns its name. */
  public String createDatabase() {
    String name =
        "portcullis_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database on port " + port, e);
    }
    return name;
  }

  /**
   * {@code postgresql://postgres@127.0.0.1:<port>/<database>}, the form {@code DATABASE_URL} takes.
   */
  public String url(String database) {
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + database;
  }

  /** A JDBC connection, for test set-up and assertions only. */
  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, USER, "");
  }

  /** Starts (or restarts) this private cluster. */
  public synchronized void start() {
    requireOwned();
    if (Ports.listening(port)) {
      return;
    }
    Processes.run(
        Processes.as(
            runAs,
            List.of(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                dataDir.resolveSibling("server.log").toString(),
                "-o",
                "-p " + port + " -k " + dataDir + " -c listen_addresses=127.0.0.1 -c fsync=off",
                "-w",
                "start")),
        dataDir.resolveSibling("pg_ctl.log"));
    Ports.awaitListening(port, Duration.ofSeconds(30));
  }

  /** Stops this private cluster at once ({@code -m immediate}): clients see connections drop. */
  public synchronized void stop() {
    requireOwned();
    if (!Ports.listening(port)) {
      return;
    }
    Processes.run(
        Processes.as(
            runAs,
            List.of(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-m",
                "immediate",
                "-w",
                "stop")),
        dataDir.resolveSibling("pg_ctl.log"));
    Ports.awaitClosed(port, Duration.ofSeconds(30));
  }

  @Override
  public synchronized void close() {
    if (dataDir == null) {
      return;
    }
    stop();
    try (Stream<Path> files = Files.walk(dataDir.getParent())) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }

  private void requireOwned() {
    if (dataDir == null) {
      throw new IllegalStateException(
          "the machine's PostgreSQL is shared; use startPrivate() to stop one");
    }
  }

  private static void chownTo(String user, Path dir) {
    if (user != null) {
      Processes.run(
          List.of("chown", "-R", user, dir.toString()),
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "portcullis-chown-" + UUID.randomUUID() + ".log"));
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "PostgreSQL on 127.0.0.1:%d", port);
  }
}

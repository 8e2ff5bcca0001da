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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A real PostgreSQL for tests. {@link #shared()} is the machine's server on 127.0.0.1:5432 (trust
 * auth, user {@code postgres}) when one runs, otherwise a cluster this JVM creates with the Debian
 * binaries; tests isolate themselves with {@link #createDatabase()}. {@link #startPrivate()}
 * creates a cluster of the test's own on a free port, for fault injection: {@link #stop()} and
 * {@link #start()} take it down and bring it back with its data.
 *
 * <p>Never skips: with no server and no binaries, it fails and says what to install.
 */
public final class PostgresServer implements AutoCloseable {
  private static final int MACHINE_PORT = 5432;
  private static final String USER = "postgres";
  private static PostgresServer shared;

  private final int port;
  private final Path dataDir;

  private PostgresServer(int port, Path dataDir) {
    this.port = port;
    this.dataDir = dataDir;
  }

  /** The PostgreSQL every test may share (isolate with {@link #createDatabase()}). */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      if (Ports.listening(MACHINE_PORT)) {
        shared = new PostgresServer(MACHINE_PORT, null);
      } else {
        shared = startPrivate();
        Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
      }
    }
    return shared;
  }

  /** A cluster of the caller's own on a free port; close it when done. */
  public static PostgresServer startPrivate() {
    Path bin = binDir();
    try {
      Path dir = Files.createTempDirectory("portcullis-pg-");
      Path data = dir.resolve("data");
      Files.createDirectories(data);
      chownToPostgres(dir);
      Processes.run(
          Processes.as(
              USER,
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
      PostgresServer server = new PostgresServer(Ports.free(), data);
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
            USER,
            List.of(
                binDir().resolve("pg_ctl").toString(),
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
            USER,
            List.of(
                binDir().resolve("pg_ctl").toString(),
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

  private static Path binDir() {
    Path root = Path.of("/usr/lib/postgresql");
    List<Path> versions = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        s.filter(p -> Files.isExecutable(p.resolve("bin/pg_ctl"))).forEach(versions::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return versions.stream()
        .max(
            Comparator.comparing(
                p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", "0"))))
        .map(p -> p.resolve("bin"))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no PostgreSQL on 127.0.0.1:5432 and no server binaries under /usr/lib/postgresql:"
                        + " apt-get install -y postgresql"));
  }

  private static void chownToPostgres(Path dir) {
    if (Processes.isRoot()) {
      Processes.run(
          List.of("chown", "-R", USER + ":" + USER, dir.toString()),
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

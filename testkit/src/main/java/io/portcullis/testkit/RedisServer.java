package io.portcullis.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis for tests. {@link #shared()} is the machine's server on 127.0.0.1:6379 when one
 * runs, otherwise one this JVM starts ({@link Binaries#redisServer()}: the machine's binary, else
 * the embedded one); tests isolate themselves inside it with {@link #uniquePrefix()}. {@link
 * #startPrivate()} starts a server of the test's own on a free port, for fault injection: {@link
 * #stop()} kills it, {@link #start()} brings it back on the same port.
 *
 * <p>Never skips: with no server it starts one, from the Debian package or the embedded binary.
 */
public final class RedisServer implements AutoCloseable {
  private static final int MACHINE_PORT = 6379;
  private static RedisServer shared;

  private final int port;
  private final boolean owned;
  private final Binaries.Source source; // null: the machine's binary, else the embedded one
  private Process process;
  private Path logFile;

  private RedisServer(int port, boolean owned, Binaries.Source source) {
    this.port = port;
    this.owned = owned;
    this.source = source;
  }

  /** The Redis every test may share (isolate by key prefix). */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      if (Ports.listening(MACHINE_PORT)) {
        shared = new RedisServer(MACHINE_PORT, false, null);
      } else {
        shared = startPrivate();
        Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
      }
    }
    return shared;
  }

  /** A Redis of the caller's own on a free port; close it when done. */
  public static RedisServer startPrivate() {
    return startPrivate(null);
  }

  /** As {@link #startPrivate()}, from the given binary source ({@code null}: the default). */
  public static RedisServer startPrivate(Binaries.Source source) {
    RedisServer server = new RedisServer(Ports.free(), true, source);
    server.start();
    return server;
  }

  /** A key prefix no other test run uses, e.g. {@code test:1a2b3c4d:}. */
  public static String uniquePrefix() {
    return "test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts (or restarts) this private server on its port. */
  public synchronized void start() {
    requireOwned();
    if (process != null && process.isAlive()) {
      return;
    }
    Path binary = source == null ? Binaries.redisServer() : Binaries.redisServer(source);
    try {
      Path dir = Files.createTempDirectory("portcullis-redis-");
      logFile = dir.resolve("redis.log");
      process =
          new ProcessBuilder(
                  List.of(
                      binary.toString(),
                      "--port",
                      Integer.toString(port),
                      "--bind",
                      "127.0.0.1",
                      "--save",
                      "",
                      "--appendonly",
                      "no",
                      "--dir",
                      dir.toString()))
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Ports.awaitListening(port, Duration.ofSeconds(10));
    if (!process.isAlive()) { // something else answered on the port; ours did not start
      throw new IllegalStateException(
          "redis-server exited at start on port " + port + ": " + log(logFile));
    }
  }

  private static String log(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Kills this private server at once (SIGKILL): clients see the connection drop. */
  public synchronized void stop() {
    requireOwned();
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
      Ports.awaitClosed(port, Duration.ofSeconds(10));
    }
  }

  public synchronized boolean running() {
    return owned ? process != null && process.isAlive() : Ports.listening(port);
  }

  @Override
  public void close() {
    if (owned) {
      stop();
    }
  }

  private void requireOwned() {
    if (!owned) {
      throw new IllegalStateException(
          "the machine's Redis is shared; use startPrivate() to stop one");
    }
  }
}

package io.portcullis.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Running the server binaries the harness relies on. */
final class Processes {
  private Processes() {}

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Runs a command to completion, failing with its output when it exits non-zero. */
  static String run(List<String> command, Path log) {
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
      String out = Files.readString(log);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "failed (" + p.exitValue() + "): " + String.join(" ", command) + "\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The unprivileged user a root JVM runs a server as (PostgreSQL refuses root): {@code postgres}
   * where the Debian package created it, else {@code nobody}.
   */
  static String serverUser() {
    try {
      Process p = new ProcessBuilder("id", "-u", "postgres").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? "postgres" : "nobody";
    } catch (IOException e) {
      return "nobody";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Prefixes {@code command} so that it runs as {@code user} (if any) when we are root. */
  static List<String> as(String user, List<String> command) {
    if (user == null || !isRoot()) {
      return command;
    }
    List<String> full = new ArrayList<>(List.of("runuser", "-u", user, "--"));
    full.addAll(command);
    return full;
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

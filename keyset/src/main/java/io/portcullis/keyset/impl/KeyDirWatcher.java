package io.portcullis.keyset.impl;

import io.portcullis.keyset.KeySetOptions;
import io.portcullis.keyset.VerificationKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key-directory source: one {@code <kid>.pem} per key, re-read when a file is added, changed or
 * removed.
 *
 * <p>The directory is polled (file name, modification time, size and file key, following symlinks)
 * on a worker thread every {@code keysDirPollInterval} instead of using {@code WatchService}:
 * Kubernetes Secret and ConfigMap volumes update by atomically swapping a {@code ..data} symlink,
 * an event WatchService misses or reports on the wrong path, and WatchService falls back to slow
 * polling on some file systems anyway. Names starting with a dot (Kubernetes' {@code ..data},
 * {@code ..2024_...}) are skipped. The kid comes from the file name only; a token's kid never
 * becomes a path.
 */
public final class KeyDirWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(KeyDirWatcher.class);

  /** A PEM public key is well under this; bigger files are refused. */
  static final long MAX_FILE_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final Path dir;
  private final SourceState state;
  private final KeySetOptions options;
  private final Clock clock;
  private final Runnable onChange;
  private final KeySetMetrics metrics;
  private volatile Map<String, Object> lastSignature;
  private Future<Void> inFlight;
  private long periodicId = -1;
  private boolean closed;

  public KeyDirWatcher(
      Vertx vertx,
      SourceState state,
      KeySetOptions options,
      Clock clock,
      Runnable onChange,
      KeySetMetrics metrics) {
    this.vertx = vertx;
    this.dir = options.keysDir();
    this.state = state;
    this.options = options;
    this.clock = clock;
    this.onChange = onChange;
    this.metrics = metrics;
  }

  /** Scans once, then polls. */
  public Future<Void> start() {
    return scan()
        .onComplete(
            ar -> {
              synchronized (this) {
                if (!closed) {
                  periodicId =
                      vertx.setPeriodic(options.keysDirPollInterval().toMillis(), id -> scan());
                }
              }
            });
  }

  public synchronized void close() {
    closed = true;
    if (periodicId >= 0) {
      vertx.cancelTimer(periodicId);
    }
  }

  /** Re-reads the directory if anything changed (or joins the scan in flight). Never fails. */
  public synchronized Future<Void> scan() {
    if (inFlight != null) {
      return inFlight;
    }
    Future<Void> f =
        vertx.executeBlocking(this::readIfChanged, false).map(this::apply).recover(this::failed);
    inFlight = f;
    f.onComplete(ar -> clear(f));
    return f;
  }

  private synchronized void clear(Future<Void> done) {
    if (inFlight == done) {
      inFlight = null;
    }
  }

  private record Scan(
      Map<String, Object> signature,
      Map<String, VerificationKey> keys,
      Map<String, Loaded> loaded) {}

  /** The PEM text behind an installed key, to keep its instance while the file is unchanged. */
  private record Loaded(String pem, VerificationKey key) {}

  private volatile Map<String, Loaded> loaded = Map.of();

  /** Runs on a worker. Returns {@code null} when nothing changed since the last scan. */
  private Scan readIfChanged() throws IOException {
    Map<String, Path> files = new LinkedHashMap<>();
    Map<String, Object> signature = new HashMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || !name.endsWith(".pem") || name.length() == 4) {
          continue;
        }
        BasicFileAttributes attrs;
        try {
          attrs = Files.readAttributes(p, BasicFileAttributes.class); // follows symlinks
        } catch (IOException vanished) {
          continue;
        }
        if (!attrs.isRegularFile()) {
          continue;
        }
        String kid = name.substring(0, name.length() - 4);
        files.put(kid, p);
        signature.put(
            kid,
            List.of(
                attrs.lastModifiedTime().toMillis(),
                attrs.size(),
                String.valueOf(attrs.fileKey())));
      }
    }
    if (Objects.equals(signature, lastSignature)) {
      return null;
    }
    Map<String, VerificationKey> previous = state.keys();
    Map<String, VerificationKey> keys = new LinkedHashMap<>();
    Map<String, Loaded> nextLoaded = new LinkedHashMap<>();
    for (var e : files.entrySet()) {
      String kid = e.getKey();
      try {
        if (Files.size(e.getValue()) > MAX_FILE_BYTES) {
          throw new IllegalArgumentException("file larger than " + MAX_FILE_BYTES + " bytes");
        }
        String pem = Files.readString(e.getValue(), StandardCharsets.US_ASCII);
        Loaded before = loaded.get(kid);
        if (before != null && before.pem().equals(pem)) {
          // unchanged content keeps its instance, so tokens it verified stay cached
          keys.put(kid, before.key());
          nextLoaded.put(kid, before);
          continue;
        }
        KeyBinder.Bound bound = PemKeys.parse(pem, null);
        if (!options.algorithms().contains(bound.algorithm())) {
          throw new IllegalArgumentException(
              bound.algorithm() + " is not in the allowed algorithms");
        }
        VerificationKey key =
            new VerificationKey(kid, bound.algorithm(), state.name(), bound.verifier());
        keys.put(kid, key);
        nextLoaded.put(kid, new Loaded(pem, key));
      } catch (IOException | RuntimeException ex) {
        // Keep the previous key for this kid: a half-written file must not drop a working key.
        LOG.warn("key file {}: {}", e.getValue().getFileName(), ex.getMessage());
        if (previous.containsKey(kid)) {
          keys.put(kid, previous.get(kid));
          if (loaded.containsKey(kid)) {
            nextLoaded.put(kid, loaded.get(kid));
          }
        }
        signature.put(kid, "unreadable"); // read it again next time
      }
    }
    return new Scan(signature, keys, nextLoaded);
  }

  private Void apply(Scan scan) {
    if (scan == null) {
      // Readable and unchanged: a successful refresh (it keeps the source fresh, and a failure
      // counted earlier must be followed by successes for the refresh alert to clear).
      state.confirmed(clock.instant());
      metrics.refreshed(state.name(), true);
      return null;
    }
    lastSignature = scan.signature();
    loaded = scan.loaded();
    state.succeeded(scan.keys(), clock.instant());
    metrics.refreshed(state.name(), true);
    onChange.run();
    LOG.info("key directory re-read: {} keys", scan.keys().size());
    return null;
  }

  private Future<Void> failed(Throwable err) {
    String reason = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    state.failed("cannot read " + dir + ": " + reason, clock.instant());
    metrics.refreshed(state.name(), false);
    LOG.warn("key directory {} unreadable ({}); keeping the last good keys", dir, reason);
    return Future.succeededFuture();
  }
}

package io.portcullis.gateway.state;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded durable store: one append-only journal file under {@code PORTCULLIS_DATA_DIR}.
 *
 * <p>Each line is one record: {@code S <json>} holds a state change and its audit event together
 * (so they are durable together, the journal's "transaction"), {@code A <json>} an audit event
 * alone. A record is written and {@code fsync}ed ({@link FileChannel#force}) on a worker thread
 * before the caller's future completes. At start the journal is replayed into the current state;
 * audit-only lines are skipped by their prefix without parsing. A crash mid-write can leave a torn
 * last line: it was never acknowledged, so it is cut off with a warning and startup continues. A
 * damaged line anywhere else is real corruption and stops startup.
 *
 * <p>One process per data dir: an OS lock on {@code journal.lock} refuses a second one (several
 * instances need {@code DATABASE_URL}). The lock lives on a file of its own that nothing else
 * opens: POSIX record locks belong to the process and file, and closing <em>any</em> descriptor of
 * the locked file drops them, so a lock on the journal itself was gone after the first replay or
 * export read it.
 */
final class JournalStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(JournalStore.class);
  static final String FILE_NAME = "journal.log";
  static final String LOCK_NAME = "journal.lock";

  private final Vertx vertx;
  private final Path dir;
  private final Path file;
  private final Clock clock;
  private final Object writeLock = new Object();

  /** Current entry per {@link StateEntry#id()}, and the same entries by revision for catch-up. */
  private final Map<String, StateEntry> byId = new ConcurrentHashMap<>();

  private final ConcurrentNavigableMap<Long, StateEntry> byRevision = new ConcurrentSkipListMap<>();
  private FileChannel channel;
  private FileChannel lockChannel;
  private FileLock lock;
  private long lastRevision;

  JournalStore(Vertx vertx, Path dir, Clock clock) {
    this.vertx = vertx;
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
    this.clock = clock;
  }

  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(
        () -> {
          synchronized (writeLock) {
            if (channel != null) {
              return null;
            }
            Files.createDirectories(dir);
            lockDataDir();
            FileChannel ch;
            try {
              ch =
                  FileChannel.open(
                      file,
                      StandardOpenOption.CREATE,
                      StandardOpenOption.READ,
                      StandardOpenOption.WRITE);
            } catch (IOException | RuntimeException e) {
              unlockDataDir();
              throw e;
            }
            try {
              long good = replay();
              if (good < ch.size()) {
                LOG.warn(
                    "journal {}: cutting a torn last record ({} bytes) left by a crash; it was"
                        + " never acknowledged",
                    file,
                    ch.size() - good);
                ch.truncate(good);
                ch.force(true);
              }
              ch.position(ch.size());
            } catch (IOException | RuntimeException e) {
              ch.close();
              unlockDataDir();
              throw e;
            }
            channel = ch;
            LOG.info("embedded store {}: replayed up to revision {}", file, lastRevision);
            return null;
          }
        });
  }

  /**
   * Replays every complete, valid record, reading the file once in order with a bounded buffer (an
   * audit log of millions of lines is never held in memory); returns the offset after the last good
   * record.
   */
  private long replay() throws IOException {
    byId.clear();
    byRevision.clear();
    lastRevision = 0;
    long good = 0;
    int lineNo = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream(512);
      int b;
      while ((b = in.read()) != -1) {
        if (b != '\n') {
          line.write(b);
          continue;
        }
        lineNo++;
        long end = good + line.size() + 1;
        try {
          replayLine(line);
        } catch (RuntimeException e) {
          if (in.read() == -1) {
            return good; // the last line is torn
          }
          throw new IllegalStateException(
              "journal " + file + " is corrupt at line " + lineNo + ": " + e.getMessage(), e);
        }
        good = end;
        line.reset();
      }
    }
    return good; // anything after it has no newline: the write never completed
  }

  private void replayLine(ByteArrayOutputStream line) {
    byte[] bytes = line.toByteArray();
    if (bytes.length > 2 && bytes[0] == 'S' && bytes[1] == ' ') {
      String json = new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_8);
      remember(StateEntry.fromJson(new JsonObject(json).getJsonObject("entry")));
    } else if (bytes.length > 2 && bytes[0] == 'A' && bytes[1] == ' ') {
      // audit only: nothing to replay; a cheap completeness check, parsed on export
      if (bytes[bytes.length - 1] != '}') {
        throw new DecodeException("truncated audit record");
      }
    } else {
      throw new DecodeException("unknown record type");
    }
  }

  private void remember(StateEntry entry) {
    StateEntry previous = byId.put(entry.id(), entry);
    if (previous != null) {
      byRevision.remove(previous.revision());
    }
    byRevision.put(entry.revision(), entry);
    lastRevision = Math.max(lastRevision, entry.revision());
  }

  @Override
  public Future<Void> close() {
    return vertx.executeBlocking(
        () -> {
          synchronized (writeLock) {
            if (channel != null) {
              channel.close();
              channel = null;
              unlockDataDir();
            }
            return null;
          }
        });
  }

  /** Takes the data dir's lock, held until {@link #close}; fails when another process has it. */
  private void lockDataDir() throws IOException {
    FileChannel ch =
        FileChannel.open(
            dir.resolve(LOCK_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException inThisJvm) {
      l = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      ch.close();
      throw new IllegalStateException(
          "PORTCULLIS_DATA_DIR " + dir + " is used by another Portcullis process");
    }
    lockChannel = ch;
    lock = l;
  }

  private void unlockDataDir() throws IOException {
    if (lockChannel != null) {
      lock.release();
      lockChannel.close();
      lockChannel = null;
      lock = null;
    }
  }

  @Override
  public Future<StateEntry> apply(StateEntry change, AuditEvent audit) {
    return vertx.executeBlocking(
        () -> {
          synchronized (writeLock) {
            FileChannel ch = requireOpen();
            StateEntry toStore = change;
            StateEntry existing = byId.get(change.id());
            if (existing != null
                && change.cutoff() != null
                && existing.cutoff() != null
                && existing.cutoff().isAfter(change.cutoff())) {
              toStore = change.withCutoff(existing.cutoff()); // a cut-off never moves back
            }
            StateEntry committed = toStore.committed(lastRevision + 1, clock.instant());
            JsonObject record =
                new JsonObject().put("entry", committed.toJson()).put("audit", audit.toJson());
            write(ch, "S " + record.encode() + "\n");
            remember(committed);
            return committed;
          }
        });
  }

  @Override
  public Future<Void> audit(AuditEvent event) {
    return vertx.executeBlocking(
        () -> {
          synchronized (writeLock) {
            write(requireOpen(), "A " + event.toJson().encode() + "\n");
            return null;
          }
        });
  }

  private FileChannel requireOpen() {
    if (channel == null) {
      throw new StoreUnavailableException("the embedded store is not open", null);
    }
    return channel;
  }

  private static void write(FileChannel ch, String line) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    ch.force(false); // fdatasync: the data and the file length reach the disk before the ack
  }

  @Override
  public Future<List<StateEntry>> changesSince(long revision) {
    if (channel == null) {
      return Future.failedFuture(new StoreUnavailableException("embedded store not open", null));
    }
    return Future.succeededFuture(new ArrayList<>(byRevision.tailMap(revision, false).values()));
  }

  @Override
  public Future<AuditStream> exportAudit(AuditQuery query) {
    return vertx
        .fileSystem()
        .open(file.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
        .map(
            (AsyncFile asyncFile) -> {
              RecordParser lines = RecordParser.newDelimited("\n", asyncFile);
              ReadStream<AuditEvent> events =
                  new FilteredReadStream<Buffer, AuditEvent>(lines, line -> parse(line, query));
              return (AuditStream) new ClosingReadStream(events, () -> asyncFile.close());
            });
  }

  private static AuditEvent parse(Buffer line, AuditQuery query) {
    String text = line.toString(StandardCharsets.UTF_8);
    AuditEvent event;
    try {
      if (text.startsWith("S ")) {
        event = AuditEvent.fromJson(new JsonObject(text.substring(2)).getJsonObject("audit"));
      } else if (text.startsWith("A ")) {
        event = AuditEvent.fromJson(new JsonObject(text.substring(2)));
      } else {
        return null;
      }
    } catch (RuntimeException e) {
      return null; // a record being appended right now
    }
    return event.matches(query) ? event : null;
  }

  @Override
  public Future<List<AuditEvent>> recentAudit(String org, int limit) {
    return vertx.executeBlocking(
        () -> {
          Deque<AuditEvent> last = new ArrayDeque<>(limit + 1);
          AuditQuery query = new AuditQuery(Instant.EPOCH, Instant.MAX, null, org);
          try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
              AuditEvent event = parse(Buffer.buffer(line), query);
              if (event != null && !event.read()) {
                last.addFirst(event);
                if (last.size() > limit) {
                  last.removeLast();
                }
              }
            }
          }
          return List.copyOf(last);
        });
  }

  @Override
  public Future<Void> pruneExpired(Instant before) {
    // Only the in-memory state: the journal keeps its history, and replay re-reads expired
    // entries, which the snapshot then ignores and drops.
    byId.values()
        .removeIf(
            e -> {
              boolean expired = e.kind() == StateEntry.Kind.JTI && e.expiresAt().isBefore(before);
              if (expired) {
                byRevision.remove(e.revision(), e);
              }
              return expired;
            });
    return Future.succeededFuture();
  }
}

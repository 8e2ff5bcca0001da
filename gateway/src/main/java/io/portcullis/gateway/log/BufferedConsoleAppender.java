package io.portcullis.gateway.log;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * Logback's console appender with a real buffer: lines collect in {@value #BUFFER_BYTES} bytes and
 * reach standard output when the buffer fills or the appender is flushed, in one {@code write(2)}
 * of whole lines.
 *
 * <p>Why not {@code ConsoleAppender} with {@code immediateFlush=false}: it writes each line to
 * {@link System#out}, whose buffer is 128 bytes with auto-flush, so every access-log line (about
 * 400 bytes) was its own {@code write(2)} whatever the setting: one system call per request,
 * measured with {@code /proc/<pid>/io} (load-tests/RESULTS.md, 2026-11-22). Behind logstash's
 * disruptor appender, which flushes a non-immediate {@code OutputStreamAppender} at the end of
 * every batch, a busy gateway now writes many lines per call and an idle one still writes each line
 * at once.
 *
 * <p>The stream is looked up on every write, like {@code ConsoleAppender}'s, so a replaced {@code
 * System.out} (a test harness capturing output) is honoured. Stopping the appender flushes; it
 * never closes standard output.
 */
public final class BufferedConsoleAppender<E> extends OutputStreamAppender<E> {
  static final int BUFFER_BYTES = 64 * 1024;

  private final Supplier<OutputStream> target;

  public BufferedConsoleAppender() {
    this(() -> System.out);
  }

  BufferedConsoleAppender(Supplier<OutputStream> target) {
    this.target = target;
  }

  @Override
  public void start() {
    setOutputStream(new BufferedOutputStream(new Stdout(target), BUFFER_BYTES));
    super.start();
  }

  /** The current target; {@code close} flushes and leaves it open. */
  private static final class Stdout extends OutputStream {
    private final Supplier<OutputStream> target;

    Stdout(Supplier<OutputStream> target) {
      this.target = target;
    }

    @Override
    public void write(int b) throws IOException {
      target.get().write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      target.get().write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      target.get().flush();
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}

package io.portcullis.gateway.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import org.junit.jupiter.api.Test;

/**
 * Lines leave in whole-line writes only when the appender is flushed (the disruptor does that at
 * the end of each batch): many lines per write under load, each line at once when idle, nothing
 * lost, standard output never closed.
 */
class BufferedConsoleAppenderTest {
  private final LoggerContext context = newContext();
  private final Target target = new Target();

  @Test
  void linesWaitForAFlushAndLeaveInOneWriteOfWholeLines() throws IOException {
    BufferedConsoleAppender<ILoggingEvent> appender = appender();
    for (int i = 0; i < 100; i++) {
      appender.doAppend(event("line " + i));
    }
    assertThat(target.writes).isEmpty();
    appender.getOutputStream().flush();
    assertThat(target.writes).hasSize(1);
    assertThat(target.writes.get(0)).isEqualTo(expected(0, 100));
    assertThat(target.flushes).isEqualTo(1);
  }

  @Test
  void aFullBufferWritesWholeLinesAndALineLargerThanTheBufferGoesWhole() throws IOException {
    BufferedConsoleAppender<ILoggingEvent> appender = appender();
    String big = "x".repeat(BufferedConsoleAppender.BUFFER_BYTES + 10);
    int lines = 0;
    // 64 KiB of lines of at most 10 bytes: the buffer must have spilled after 7000 of them
    while (target.writes.isEmpty() && lines < 7000) {
      appender.doAppend(event("line " + lines++));
    }
    assertThat(target.writes).isNotEmpty();
    appender.doAppend(event(big));
    appender.getOutputStream().flush();
    StringBuilder all = new StringBuilder();
    for (String w : target.writes) {
      assertThat(w).endsWith("\n");
      all.append(w);
    }
    assertThat(all.toString()).isEqualTo(expected(0, lines) + big + "\n");
  }

  @Test
  void stopFlushesAndLeavesStandardOutputOpen() {
    BufferedConsoleAppender<ILoggingEvent> appender = appender();
    appender.doAppend(event("last words"));
    appender.stop();
    assertThat(String.join("", target.writes)).isEqualTo("last words\n");
    assertThat(target.closed).isFalse();
  }

  @Test
  void behindTheDisruptorABusyLoggerWritesManyLinesPerCallAndLosesNone() throws Exception {
    CountDownLatch firstWriteHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    target.onWrite =
        () -> {
          if (firstWriteHeld.getCount() > 0) {
            firstWriteHeld.countDown();
            await(release);
          }
        };
    LoggingEventAsyncDisruptorAppender async = asyncOver(appender());
    Logger logger = context.getLogger("portcullis.access");
    logger.info("line 0");
    // The worker is now inside its first write; the next 999 lines queue in the ring buffer.
    assertThat(firstWriteHeld.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i < 1000; i++) {
      logger.info("line " + i);
    }
    release.countDown();
    async.stop();
    assertThat(String.join("", target.writes)).isEqualTo(expected(0, 1000));
    // One write for line 0, then the queued 999 lines in a few batches (ring-buffer wrap, 64 KiB
    // buffer): far fewer writes than lines. Line by line this would be 1000.
    assertThat(target.writes.size()).isLessThan(20);
  }

  @Test
  void behindTheDisruptorAnIdleLoggerWritesEachLineAtOnce() throws Exception {
    asyncOver(appender());
    Logger logger = context.getLogger("portcullis.access");
    logger.info("alone");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (target.writes.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(String.join("", target.writes)).isEqualTo("alone\n");
  }

  // ---- fixtures ----

  private static LoggerContext newContext() {
    LoggerContext c = new LoggerContext();
    c.setMDCAdapter(new LogbackMDCAdapter());
    return c;
  }

  private BufferedConsoleAppender<ILoggingEvent> appender() {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    BufferedConsoleAppender<ILoggingEvent> appender = new BufferedConsoleAppender<>(() -> target);
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setImmediateFlush(false);
    appender.start();
    return appender;
  }

  /** As logback.xml wires it: the disruptor appender in front, delivering to {@code inner}. */
  private LoggingEventAsyncDisruptorAppender asyncOver(
      BufferedConsoleAppender<ILoggingEvent> inner) {
    LoggingEventAsyncDisruptorAppender async = new LoggingEventAsyncDisruptorAppender();
    async.setContext(context);
    async.addAppender(inner);
    async.setRingBufferSize(1024);
    async.setAppendTimeout(ch.qos.logback.core.util.Duration.buildByMilliseconds(10_000));
    async.setWaitStrategyType("sleeping{0,1000000}");
    async.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(async);
    return async;
  }

  private LoggingEvent event(String message) {
    LoggingEvent e = new LoggingEvent();
    e.setLoggerName("portcullis.access");
    e.setLevel(Level.INFO);
    e.setMessage(message);
    e.setLoggerContext(context);
    e.setTimeStamp(0);
    return e;
  }

  private static String expected(int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i < to; i++) {
      b.append("line ").append(i).append('\n');
    }
    return b.toString();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Standard output as the appender sees it: records each write, never closes. */
  private static final class Target extends OutputStream {
    final List<String> writes = Collections.synchronizedList(new ArrayList<>());
    volatile Runnable onWrite = () -> {};
    int flushes;
    boolean closed;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      onWrite.run();
      writes.add(new String(b, off, len, StandardCharsets.UTF_8));
    }

    @Override
    public void flush() {
      flushes++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}

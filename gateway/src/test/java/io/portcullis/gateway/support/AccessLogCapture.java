package io.portcullis.gateway.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The {@code portcullis.access} events of one test, captured in memory while it is open. The
 * gateway logs a line when a response ends, which the client may see first: {@link #awaitAtLeast}
 * waits for them.
 */
public final class AccessLogCapture implements AutoCloseable {
  private final Logger access = (Logger) LoggerFactory.getLogger("portcullis.access");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public AccessLogCapture() {
    appender.start();
    access.addAppender(appender);
  }

  /** The events so far, once there are at least {@code n} (or after 5 s, whatever there are). */
  public List<ILoggingEvent> awaitAtLeast(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (appender.list.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return List.copyOf(appender.list);
  }

  @Override
  public void close() {
    access.detachAppender(appender);
  }
}

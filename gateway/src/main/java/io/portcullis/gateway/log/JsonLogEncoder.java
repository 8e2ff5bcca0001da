package io.portcullis.gateway.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;

/**
 * The gateway's log encoder: logstash's {@link LogstashEncoder} for every line, except the access
 * log's, which it writes directly with the same bytes.
 *
 * <p>Why: the access log is one line per request, and through Jackson and logstash's providers it
 * cost about a tenth of the gateway's CPU at saturation (async-profiler, load-tests/RESULTS.md,
 * 2026-11-22). The line's layout is fixed ({@link AccessLine}), so it is appended to a {@link
 * StringBuilder} instead: same members, same order, same number and string formatting, same
 * timestamp. {@code JsonLogEncoderTest} holds both paths to byte equality.
 *
 * <p>The direct path is used only while this encoder is configured as logback.xml ships it (field
 * names, no version or level value, the default ISO timestamp, UTF-8, no prefix, suffix or extra
 * providers) and only for an event that carries nothing else (no MDC, markers, key-value pairs,
 * context properties or throwable). Anything else goes through logstash unchanged.
 */
public final class JsonLogEncoder extends LogstashEncoder {
  private static final String IGNORE = "[ignore]";

  /**
   * The log thread's line buffer, reused: the access log is one line per request, and a fresh
   * builder per line (grown once, copied to a String, then to bytes) was the largest allocation
   * left on the request path's account (async-profiler, load-tests/RESULTS.md, 2026-12-06).
   */
  private static final ThreadLocal<StringBuilder> BUILDER =
      ThreadLocal.withInitial(() -> new StringBuilder(1024));

  private static final int MAX_KEPT_CAPACITY = 16 * 1024;

  private volatile boolean direct;
  private volatile ZoneId zone = ZoneId.systemDefault();
  private volatile Second second = new Second(Long.MIN_VALUE, "", "");
  private volatile String lineSeparator = System.lineSeparator();

  @Override
  public void start() {
    super.start();
    zone =
        getTimeZone() == null
            ? ZoneId.systemDefault()
            : TimeZone.getTimeZone(getTimeZone()).toZoneId();
    lineSeparator = getLineSeparator() == null ? "" : getLineSeparator();
    direct = shippedLayout();
  }

  /** Whether the direct path is on (the configuration is the shipped one). */
  boolean direct() {
    return direct;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    AccessLine line = direct ? plainAccessLine(event) : null;
    return line == null ? super.encode(event) : write(event, line);
  }

  @Override
  public void encode(ILoggingEvent event, OutputStream out) throws IOException {
    AccessLine line = direct ? plainAccessLine(event) : null;
    if (line == null) {
      super.encode(event, out);
    } else {
      out.write(write(event, line));
    }
  }

  private byte[] write(ILoggingEvent event, AccessLine line) {
    StringBuilder out = BUILDER.get();
    out.setLength(0);
    out.append("{\"time\":\"");
    timestamp(out, event.getInstant());
    out.append("\",\"message\":");
    JsonText.string(out, event.getFormattedMessage());
    out.append(",\"logger_name\":");
    JsonText.string(out, event.getLoggerName());
    out.append(",\"thread_name\":");
    JsonText.string(out, event.getThreadName());
    out.append(",\"level\":");
    JsonText.string(out, event.getLevel().toString());
    line.appendMembers(out);
    out.append('}');
    out.append(lineSeparator);
    // Latin-1 text: one copy to the String, one (intrinsic) to UTF-8 bytes
    byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
    if (out.capacity() > MAX_KEPT_CAPACITY) {
      BUILDER.remove(); // one huge line (a long path) does not pin its buffer for good
    }
    return bytes;
  }

  /**
   * {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} in the configured zone: the date, time and
   * offset are formatted once per second; the fraction (as few digits as needed) per line.
   */
  private void timestamp(StringBuilder out, Instant instant) {
    Second s = second;
    if (s.epochSecond != instant.getEpochSecond()) {
      ZonedDateTime t = Instant.ofEpochSecond(instant.getEpochSecond()).atZone(zone);
      s =
          new Second(
              instant.getEpochSecond(),
              DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t.toLocalDateTime()),
              t.getOffset().getId());
      second = s;
    }
    out.append(s.dateTime);
    int nanos = instant.getNano();
    if (nanos > 0) {
      int digits = 9;
      while (nanos % 10 == 0) {
        nanos /= 10;
        digits--;
      }
      out.append('.');
      String n = Integer.toString(nanos);
      for (int i = n.length(); i < digits; i++) {
        out.append('0');
      }
      out.append(n);
    }
    out.append(s.offset);
  }

  /** The event's {@link AccessLine}, when the event is an access line and carries nothing else. */
  private static AccessLine plainAccessLine(ILoggingEvent event) {
    Object[] args = event.getArgumentArray();
    if (args == null || args.length != 1 || !(args[0] instanceof AccessLine line)) {
      return null;
    }
    List<?> markers = event.getMarkerList();
    List<?> pairs = event.getKeyValuePairs();
    Map<String, String> mdc = event.getMDCPropertyMap();
    Map<String, String> context =
        event.getLoggerContextVO() == null ? null : event.getLoggerContextVO().getPropertyMap();
    boolean plain =
        (markers == null || markers.isEmpty())
            && (pairs == null || pairs.isEmpty())
            && (mdc == null || mdc.isEmpty())
            && (context == null || context.isEmpty())
            && event.getThrowableProxy() == null;
    return plain ? line : null;
  }

  private boolean shippedLayout() {
    LogstashFieldNames names = getFieldNames();
    String encoding = getEncoding();
    return "time".equals(names.getTimestamp())
        && IGNORE.equals(names.getVersion())
        && "message".equals(names.getMessage())
        && "logger_name".equals(names.getLogger())
        && "thread_name".equals(names.getThread())
        && "level".equals(names.getLevel())
        && IGNORE.equals(names.getLevelValue())
        && (getTimestampPattern() == null || "[ISO_OFFSET_DATE_TIME]".equals(getTimestampPattern()))
        && getShortenedLoggerNameLength() < 0
        && !isIncludeCallerData()
        && getCustomFields() == null
        && getPrefix() == null
        && getSuffix() == null
        && (encoding == null || StandardCharsets.UTF_8.name().equalsIgnoreCase(encoding))
        && names.getArguments() == null
        && getProviders().getProviders().size() == DEFAULT_PROVIDERS;
  }

  /** How many providers an unconfigured LogstashEncoder has: more means custom ones were added. */
  private static final int DEFAULT_PROVIDERS =
      new LogstashEncoder().getProviders().getProviders().size();

  private record Second(long epochSecond, String dateTime, String offset) {}
}

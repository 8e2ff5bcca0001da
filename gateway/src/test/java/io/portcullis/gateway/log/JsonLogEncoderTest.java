package io.portcullis.gateway.log;

import static net.logstash.logback.argument.StructuredArguments.kv;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The access line written directly is byte for byte what logstash's encoder wrote for it before
 * (thirteen {@code kv(...)} arguments, the layout of logback.xml), for random content, zones and
 * instants; everything else still goes through logstash.
 */
class JsonLogEncoderTest {
  private static final String LOGGER = "portcullis.access";
  private final LoggerContext context = newContext();

  private static LoggerContext newContext() {
    LoggerContext c = new LoggerContext();
    c.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    return c;
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTC", "Asia/Kolkata", "America/St_Johns", "Europe/Paris"})
  void directLineIsByteForByteWhatLogstashWrote(String zone) {
    LogstashEncoder before = configure(new LogstashEncoder(), zone);
    JsonLogEncoder now = configure(new JsonLogEncoder(), zone);
    assertThat(now.direct()).isTrue();
    Random random = new Random(zone.hashCode());
    for (int i = 0; i < 2_000; i++) {
      AccessLine line = randomLine(random);
      Instant at = randomInstant(random);
      String thread = random.nextInt(4) == 0 ? text(random) : "vert.x-eventloop-thread-" + i % 4;
      String expected = utf8(before.encode(previousEvent(line, at, thread)));
      String actual = utf8(now.encode(event(line, at, thread)));
      assertThat(actual).as("line %d", i).isEqualTo(expected);
    }
  }

  @Test
  void surrogatesAreEscapedAndTheLineStaysValidJson() {
    JsonLogEncoder now = configure(new JsonLogEncoder(), "UTC");
    AccessLine line =
        new AccessLine(
            "GET",
            "/a",
            200,
            "r",
            "/",
            "ok",
            1.5,
            null,
            "o-\uD800-\uD83D\uDE00",
            "ok",
            null,
            "u-\uDC00",
            null,
            null,
            "::1",
            "t");
    String json = utf8(now.encode(event(line, Instant.EPOCH, "main")));
    assertThat(json).contains("\"org\":\"o-\\uD800-\\uD83D\\uDE00\"");
    assertThat(new JsonObject(json).getString("org")).isEqualTo("o-\uD800-\uD83D\uDE00");
  }

  @Test
  void eventsCarryingMoreThanTheLineGoThroughLogstash() {
    LogstashEncoder stock = configure(new LogstashEncoder(), "UTC");
    JsonLogEncoder now = configure(new JsonLogEncoder(), "UTC");
    AccessLine line =
        new AccessLine(
            "GET", "/a", 200, "r", "/", "ok", 1.5, 0.5, "acme", "ok", null, "u1", "c1", "k1", "::1",
            "t");
    LoggingEvent withMdc = event(line, Instant.EPOCH, "main");
    withMdc.setMDCPropertyMap(Map.of("trace", "abc"));
    assertThat(utf8(now.encode(withMdc))).isEqualTo(utf8(stock.encode(withMdc))).contains("abc");
    LoggingEvent other = event("{} {}", new Object[] {line, "second"}, Instant.EPOCH, "main");
    assertThat(utf8(now.encode(other))).isEqualTo(utf8(stock.encode(other)));
  }

  @Test
  void aDifferentLayoutTurnsTheDirectPathOff() {
    JsonLogEncoder renamed = new JsonLogEncoder();
    LogstashFieldNames names = new LogstashFieldNames();
    names.setTimestamp("@timestamp");
    renamed.setFieldNames(names);
    renamed.setContext(context);
    renamed.start();
    assertThat(renamed.direct()).isFalse();
    AccessLine line =
        new AccessLine(
            "GET", "/a", 200, "r", "/", "ok", 1.5, 0.5, "acme", "ok", null, "u1", "c1", "k1", "::1",
            "t");
    JsonObject json = new JsonObject(utf8(renamed.encode(event(line, Instant.EPOCH, "main"))));
    assertThat(json.getString("@timestamp")).isNotNull();
    assertThat(json.getString("org")).isEqualTo("acme"); // the structured argument still writes
  }

  @Test
  void theShippedLogbackXmlUsesTheDirectPath() throws Exception {
    LoggerContext shipped = newContext();
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(shipped);
    joran.doConfigure(JsonLogEncoder.class.getResource("/logback.xml"));
    var async =
        (LoggingEventAsyncDisruptorAppender)
            shipped.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
    List<Appender<?>> inner = new ArrayList<>();
    for (Iterator<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> it =
            async.iteratorForAppenders();
        it.hasNext(); ) {
      inner.add(it.next());
    }
    assertThat(inner).hasSize(1);
    var console = (OutputStreamAppender<?>) inner.get(0);
    // buffered, flushed by the disruptor at the end of each batch (BufferedConsoleAppenderTest)
    assertThat(console).isInstanceOf(BufferedConsoleAppender.class);
    assertThat(console.isImmediateFlush()).isFalse();
    assertThat(console.getEncoder()).isInstanceOf(JsonLogEncoder.class);
    assertThat(((JsonLogEncoder) console.getEncoder()).direct()).isTrue();
    shipped.stop();
  }

  // ---- fixtures ----

  private <E extends LogstashEncoder> E configure(E encoder, String zone) {
    LogstashFieldNames names = new LogstashFieldNames();
    names.setTimestamp("time");
    names.setVersion("[ignore]");
    names.setLevelValue("[ignore]");
    encoder.setFieldNames(names);
    encoder.setIncludeCallerData(false);
    encoder.setTimeZone(zone);
    encoder.setContext(context);
    encoder.start();
    return encoder;
  }

  /** The event AccessLog logs now. */
  private LoggingEvent event(AccessLine line, Instant at, String thread) {
    return event("{}", new Object[] {line}, at, thread);
  }

  /** The event AccessLog logged before the direct path: one key-value argument per field. */
  private LoggingEvent previousEvent(AccessLine l, Instant at, String thread) {
    Object[] args = {
      kv("method", l.method()),
      kv("path", l.path()),
      kv("status", l.status()),
      kv("request_id", l.requestId()),
      kv("route", l.route()),
      kv("code", l.code()),
      kv("duration_ms", l.durationMs()),
      kv("upstream_ms", l.upstreamMs()),
      kv("org", l.org()),
      kv("auth", l.auth()),
      kv("token_fp", l.tokenFp()),
      kv("sub", l.sub()),
      kv("client_id", l.clientId()),
      kv("kid", l.kid()),
      kv("client_ip", l.clientIp()),
      kv("traceparent", l.traceparent())
    };
    return event("{} {} {}", args, at, thread);
  }

  private LoggingEvent event(String message, Object[] args, Instant at, String thread) {
    Logger logger = context.getLogger(LOGGER);
    LoggingEvent e = new LoggingEvent(Logger.FQCN, logger, Level.INFO, message, null, args);
    e.setInstant(at);
    e.setThreadName(thread);
    return e;
  }

  private static AccessLine randomLine(Random r) {
    return new AccessLine(
        r.nextBoolean() ? "GET" : text(r),
        text(r),
        100 + r.nextInt(500),
        maybe(r, text(r)),
        text(r),
        maybe(r, text(r)),
        r.nextInt(3) == 0 ? r.nextInt(100) : r.nextDouble() * Math.pow(10, r.nextInt(12) - 4),
        r.nextBoolean() ? null : r.nextDouble() * 1000,
        maybe(r, text(r)),
        maybe(r, text(r)),
        maybe(r, text(r)),
        maybe(r, text(r)),
        maybe(r, text(r)),
        maybe(r, text(r)),
        text(r),
        maybe(r, text(r)));
  }

  private static String maybe(Random r, String s) {
    return r.nextInt(5) == 0 ? null : s;
  }

  /** Mostly printable ASCII, with quotes, backslashes, control characters, accents and emoji. */
  private static String text(Random r) {
    String[] pieces = {
      "a",
      "Z",
      "0",
      "/",
      "-",
      "_",
      " ",
      "\"",
      "\\",
      "\n",
      "\r",
      "\t",
      "\b",
      "\f",
      "\u0000",
      "\u001f",
      "\u007f",
      "é",
      "ß",
      "中",
      "\u2028",
      "\uD83D\uDE00",
      "\uDC00",
      "%2F",
      "{",
      "}",
      ":",
      ","
    };
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(24);
    for (int i = 0; i < n; i++) {
      sb.append(pieces[r.nextInt(pieces.length)]);
    }
    return sb.toString();
  }

  private static Instant randomInstant(Random r) {
    long second = 1_700_000_000L + r.nextInt(200_000_000);
    int nanos =
        switch (r.nextInt(5)) {
          case 0 -> 0;
          case 1 -> r.nextInt(1000) * 1_000_000;
          case 2 -> r.nextInt(1_000_000) * 1000;
          case 3 -> r.nextInt(10) * 100_000_000;
          default -> r.nextInt(1_000_000_000);
        };
    return Instant.ofEpochSecond(second, nanos);
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}

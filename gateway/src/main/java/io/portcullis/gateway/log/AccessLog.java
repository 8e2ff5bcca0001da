package io.portcullis.gateway.log;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.portcullis.gateway.pipeline.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per proxied request on logger {@code portcullis.access}. Names a token only
 * by its SHA-256 fingerprint; never the token, a secret or a claim set.
 */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.access");

  private AccessLog() {}

  public static void log(Exchange ex, String method, String path, int status, long nanos) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    LOG.info(
        "{} {} {}",
        kv("method", method),
        kv("path", path),
        kv("status", status),
        kv("request_id", ex.requestId),
        kv("route", ex.routeLabel()),
        kv("code", ex.code),
        kv("duration_ms", nanos / 1_000_000.0),
        kv("upstream_ms", ex.upstreamNanos < 0 ? null : ex.upstreamNanos / 1_000_000.0),
        kv("org", ex.org),
        kv("auth", ex.authResult),
        kv("token_fp", ex.fingerprint()),
        kv("client_ip", ex.clientIp),
        kv("traceparent", ex.traceparent));
  }
}

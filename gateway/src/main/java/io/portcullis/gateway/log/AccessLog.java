package io.portcullis.gateway.log;

import io.portcullis.gateway.http.Whoami;
import io.portcullis.gateway.pipeline.Exchange;
import io.portcullis.keyset.VerifiedToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured line per proxied request on logger {@code portcullis.access}. Names a token only
 * by its SHA-256 fingerprint; never the token, a secret or a claim set.
 *
 * <p>The event loop builds one {@link AccessLine}; formatting it is the log thread's work ({@link
 * JsonLogEncoder}).
 */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.access");

  private AccessLog() {}

  public static void log(Exchange ex, String method, String path, int status, long nanos) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    VerifiedToken t = ex.verified; // only the issuer's word names a caller
    LOG.info(
        "{}",
        new AccessLine(
            method,
            path,
            status,
            ex.requestId,
            ex.routeLabel(),
            ex.code,
            nanos / 1_000_000.0,
            ex.upstreamNanos < 0 ? null : ex.upstreamNanos / 1_000_000.0,
            ex.org,
            ex.authResult,
            ex.fingerprint(),
            t == null ? null : t.subject(),
            t == null ? null : Whoami.clientId(t),
            t == null ? null : t.kid(),
            ex.clientIp,
            ex.traceparent));
  }
}

package io.portcullis.gateway.state;

import io.vertx.core.streams.ReadStream;

/**
 * An audit export in progress: a back-pressured stream of events holding a store resource (a
 * PostgreSQL cursor, an open journal file) until it ends, fails or is closed.
 */
public interface AuditStream extends ReadStream<AuditEvent> {

  /** Releases the resource now, e.g. when the client went away mid-export. Idempotent. */
  void close();
}

package io.portcullis.gateway.state;

import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;

/** An {@link AuditStream} that runs its close action once: at end, at failure, or on close. */
final class ClosingReadStream implements AuditStream {
  private final ReadStream<AuditEvent> delegate;
  private final Runnable onClose;
  private boolean closed;

  ClosingReadStream(ReadStream<AuditEvent> delegate, Runnable onClose) {
    this.delegate = delegate;
    this.onClose = onClose;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      onClose.run();
    }
  }

  @Override
  public AuditStream exceptionHandler(Handler<Throwable> handler) {
    delegate.exceptionHandler(
        e -> {
          close();
          if (handler != null) {
            handler.handle(e);
          }
        });
    return this;
  }

  @Override
  public AuditStream handler(Handler<AuditEvent> handler) {
    delegate.handler(handler);
    return this;
  }

  @Override
  public AuditStream pause() {
    delegate.pause();
    return this;
  }

  @Override
  public AuditStream resume() {
    delegate.resume();
    return this;
  }

  @Override
  public AuditStream fetch(long amount) {
    delegate.fetch(amount);
    return this;
  }

  @Override
  public AuditStream endHandler(Handler<Void> endHandler) {
    delegate.endHandler(
        v -> {
          close();
          if (endHandler != null) {
            endHandler.handle(v);
          }
        });
    return this;
  }
}

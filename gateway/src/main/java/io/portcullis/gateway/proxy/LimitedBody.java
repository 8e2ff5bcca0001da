package io.portcullis.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body stream that fails once more than {@code max} bytes passed: the bound for bodies
 * without a {@code Content-Length} (chunked), which can only be checked while streaming. The
 * failure makes the forward step reset the upstream request with {@link TooLarge} as the cause; the
 * rest of the client's body is drained and dropped.
 */
final class LimitedBody implements ReadStream<Buffer> {
  /** The cause the upstream exchange fails with; stackless, it is an expected client error. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge() {
      super("request body too large", null, false, false);
    }
  }

  private final ReadStream<Buffer> in;
  private final long max;
  private long seen;
  private boolean failed;
  private Handler<Throwable> exceptionHandler;

  LimitedBody(ReadStream<Buffer> in, long max) {
    this.in = in;
    this.max = max;
  }

  @Override
  public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    in.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<Buffer> handler(Handler<Buffer> handler) {
    if (handler == null) {
      in.handler(null);
      return this;
    }
    in.handler(
        buf -> {
          if (failed) {
            return;
          }
          seen += buf.length();
          if (seen <= max) {
            handler.handle(buf);
            return;
          }
          failed = true;
          // Keep reading so the connection stays usable for the 413, but forward nothing more.
          in.handler(ignored -> {});
          in.resume();
          if (exceptionHandler != null) {
            exceptionHandler.handle(new TooLarge());
          }
        });
    return this;
  }

  /** Whether the bound was crossed (the upstream exchange then fails with a stream reset). */
  boolean exceeded() {
    return failed;
  }

  @Override
  public ReadStream<Buffer> pause() {
    if (!failed) {
      in.pause();
    }
    return this;
  }

  @Override
  public ReadStream<Buffer> resume() {
    in.resume();
    return this;
  }

  @Override
  public ReadStream<Buffer> fetch(long amount) {
    in.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
    in.endHandler(endHandler);
    return this;
  }
}

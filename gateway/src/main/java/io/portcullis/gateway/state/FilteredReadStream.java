package io.portcullis.gateway.state;

import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.function.Function;

/**
 * A {@link ReadStream} that maps each item of another and drops those mapped to {@code null},
 * keeping the source's back-pressure: a dropped item's demand is handed back to the source.
 */
final class FilteredReadStream<S, T> implements ReadStream<T> {
  private final ReadStream<S> source;
  private final Function<S, T> mapper;
  private volatile boolean flowing = true;

  FilteredReadStream(ReadStream<S> source, Function<S, T> mapper) {
    this.source = source;
    this.mapper = mapper;
  }

  @Override
  public ReadStream<T> exceptionHandler(Handler<Throwable> handler) {
    source.exceptionHandler(handler);
    return this;
  }

  @Override
  public ReadStream<T> handler(Handler<T> handler) {
    if (handler == null) {
      source.handler(null);
      return this;
    }
    source.handler(
        item -> {
          T mapped = mapper.apply(item);
          if (mapped != null) {
            handler.handle(mapped);
          } else if (!flowing) {
            source.fetch(1);
          }
        });
    return this;
  }

  @Override
  public ReadStream<T> pause() {
    flowing = false;
    source.pause();
    return this;
  }

  @Override
  public ReadStream<T> resume() {
    flowing = true;
    source.resume();
    return this;
  }

  @Override
  public ReadStream<T> fetch(long amount) {
    source.fetch(amount);
    return this;
  }

  @Override
  public ReadStream<T> endHandler(Handler<Void> endHandler) {
    source.endHandler(endHandler);
    return this;
  }
}

package io.portcullis.ratelimit;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

/** Test-thread helper: waits for a future, generously bounded (never on an event loop). */
final class Await {
  private Await() {}

  static <T> T result(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete within 5 s or failed", e);
    }
  }
}

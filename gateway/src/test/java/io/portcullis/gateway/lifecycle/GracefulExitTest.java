package io.portcullis.gateway.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The exit logic without exiting: the JVM shutdown, the halt and the log flush are recorded. The
 * real signals and exit codes are exercised on the fat jar by {@code ShutdownIT}.
 */
class GracefulExitTest {
  final AtomicInteger jvmShutdowns = new AtomicInteger();
  final AtomicInteger flushes = new AtomicInteger();
  final List<Integer> halts = new ArrayList<>();

  GracefulExit exit(Future<Void> shutdown, Duration bound) {
    return new GracefulExit(
        () -> shutdown, bound, jvmShutdowns::incrementAndGet, flushes::incrementAndGet, halts::add);
  }

  @Test
  void theFirstSignalStartsTheOrdinaryShutdownTheSecondHaltsWithOne() {
    GracefulExit exit = exit(Promise.<Void>promise().future(), Duration.ofSeconds(1));
    exit.onSignal("SIGTERM");
    assertThat(jvmShutdowns).hasValue(1);
    assertThat(halts).isEmpty();
    exit.onSignal("SIGTERM");
    assertThat(jvmShutdowns).hasValue(1);
    assertThat(halts).containsExactly(GracefulExit.EXIT_FORCED);
    assertThat(flushes).as("logs flushed before the halt").hasValue(1);
  }

  @Test
  void aCompletedShutdownExitsZeroAfterFlushingTheLogs() {
    assertThat(exit(Future.succeededFuture(), Duration.ofSeconds(5)).runShutdown())
        .isEqualTo(GracefulExit.EXIT_OK);
    assertThat(flushes).hasValue(1);
  }

  @Test
  void aShutdownPastItsBoundIsForced() {
    assertThat(exit(Promise.<Void>promise().future(), Duration.ofMillis(200)).runShutdown())
        .isEqualTo(GracefulExit.EXIT_FORCED);
    assertThat(flushes).as("logs flushed even then").hasValue(1);
  }

  @Test
  void aFailedShutdownIsForced() {
    assertThat(
            exit(Future.failedFuture(new IllegalStateException("boom")), Duration.ofSeconds(5))
                .runShutdown())
        .isEqualTo(GracefulExit.EXIT_FORCED);
  }
}

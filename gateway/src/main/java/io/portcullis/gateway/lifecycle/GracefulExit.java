package io.portcullis.gateway.lifecycle;

import ch.qos.logback.classic.LoggerContext;
import io.portcullis.gateway.Gateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a running process ends on SIGTERM (or SIGINT): a JVM shutdown hook runs {@link
 * Gateway#shutdown()} — {@code /readyz} 503 at once, traffic served for the drain delay, then the
 * listeners stop accepting and in-flight requests get up to the shutdown timeout, then everything
 * the gateway owns is closed (pending state writes included) — flushes the logs and exits 0. If the
 * sequence does not finish within drain delay + shutdown timeout + {@link #CLOSE_MARGIN}, or a
 * second signal arrives, the process exits 1 at once.
 *
 * <p>Why {@code sun.misc.Signal} besides the hook: once the JVM runs its shutdown hooks, every
 * further SIGTERM blocks inside {@code Shutdown.exit} and never reaches application code (and the
 * exit status would be 143), so "a second SIGTERM forces exit" cannot be built from a hook alone.
 * The handler only counts: the first signal starts the ordinary JVM shutdown (so the hook does the
 * work, exactly as without the handler), the second halts. Where the JVM refuses the handler (e.g.
 * {@code -Xrs}), the hook alone still drains gracefully.
 */
public final class GracefulExit {
  private static final Logger LOG = LoggerFactory.getLogger(GracefulExit.class);

  /** Room for closing Vert.x and the stores after the gateway's own bound. */
  static final Duration CLOSE_MARGIN = Duration.ofSeconds(3);

  static final int EXIT_OK = 0;
  static final int EXIT_FORCED = 1;

  private final Supplier<Future<Void>> shutdown;
  private final Duration bound;
  private final Runnable startJvmShutdown;
  private final Runnable flushLogs;
  private final IntConsumer halt;
  private final AtomicInteger signals = new AtomicInteger();

  GracefulExit(
      Supplier<Future<Void>> shutdown,
      Duration bound,
      Runnable startJvmShutdown,
      Runnable flushLogs,
      IntConsumer halt) {
    this.shutdown = shutdown;
    this.bound = bound;
    this.startJvmShutdown = startJvmShutdown;
    this.flushLogs = flushLogs;
    this.halt = halt;
  }

  /**
   * Installs the shutdown hook and the TERM/INT handlers for {@code gateway} running on {@code
   * vertx} (closed last). Call once, after startup succeeded.
   */
  public static void install(Gateway gateway, Vertx vertx) {
    Duration bound =
        gateway
            .config()
            .server()
            .drainDelay()
            .plus(gateway.config().server().shutdownTimeout())
            .plus(CLOSE_MARGIN);
    GracefulExit exit =
        new GracefulExit(
            () -> thenClose(gateway.shutdown(), vertx),
            bound,
            // The exit status is replaced by the hook's own (0, or 1 when forced).
            () -> System.exit(128 + 15),
            GracefulExit::stopLogback,
            code -> Runtime.getRuntime().halt(code));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> exit.halt.accept(exit.runShutdown()), "portcullis-shutdown"));
    exit.handle("TERM");
    exit.handle("INT");
  }

  /**
   * {@code first}, then {@code vertx.close()}; the result of {@code first} wins. The returned
   * future belongs to no context: a future chained on an event-loop context would deliver its
   * result through that loop, which {@code vertx.close()} has just stopped, and a waiting thread
   * would never hear of it.
   */
  public static Future<Void> thenClose(Future<Void> first, Vertx vertx) {
    Promise<Void> done = Promise.promise();
    first.onComplete(
        ar ->
            vertx
                .close()
                .onComplete(
                    closed -> {
                      if (ar.failed()) {
                        done.tryFail(ar.cause());
                      } else {
                        done.handle(closed);
                      }
                    }));
    return done.future();
  }

  @SuppressWarnings("restriction")
  private void handle(String name) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> onSignal("SIG" + name));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // -Xrs or a platform without the signal: the shutdown hook still drains on the first one.
      LOG.debug("no handler for SIG{}: {}", name, e.getMessage());
    }
  }

  /** Each signal runs this on its own thread (the JVM starts one per signal). */
  void onSignal(String name) {
    if (signals.incrementAndGet() == 1) {
      LOG.info("{} received: draining", name);
      startJvmShutdown.run();
    } else {
      LOG.warn("{} received again: exiting now, in-flight requests are cut", name);
      flushLogs.run();
      halt.accept(EXIT_FORCED);
    }
  }

  /**
   * The hook's work, on the hook's thread (never an event loop, so waiting is fine): the graceful
   * shutdown, bounded; then the log flush. Returns the exit status.
   */
  int runShutdown() {
    int code;
    try {
      shutdown
          .get()
          .toCompletionStage()
          .toCompletableFuture()
          .get(bound.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("shutdown complete");
      code = EXIT_OK;
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.warn("shutdown did not finish within {}: exiting now", bound);
      code = EXIT_FORCED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = EXIT_FORCED;
    } catch (Exception e) {
      LOG.warn(
          "shutdown failed: {}", StartupFailure.reason(e.getCause() == null ? e : e.getCause()));
      code = EXIT_FORCED;
    }
    flushLogs.run();
    return code;
  }

  /** Drains the async appender and closes the appenders; later log calls go nowhere. */
  private static void stopLogback() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext context) {
      context.stop();
    }
  }
}

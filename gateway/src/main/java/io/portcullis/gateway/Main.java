package io.portcullis.gateway;

import io.portcullis.gateway.config.ConfigException;
import io.portcullis.gateway.config.ConfigLoader;
import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.dev.DevMode;
import io.portcullis.gateway.lifecycle.GracefulExit;
import io.portcullis.gateway.lifecycle.StartupFailure;
import io.portcullis.gateway.lifecycle.StartupGate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar portcullis.jar [--config FILE] [--dev]}. A configuration error prints one line
 * to stderr and exits 2; a startup failure (a port in use, keys, revocation state or Redis not
 * usable within the startup timeout) prints one line naming the part and why, and exits 1. Once
 * running, SIGTERM drains and exits 0 ({@link GracefulExit}).
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  static final int EXIT_CONFIG = 2;
  static final int EXIT_STARTUP = 1;

  private Main() {}

  public static void main(String[] args) {
    int code = run(args, System.getenv());
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Starts the gateway; returns 0 when it runs, else the exit code. */
  static int run(String[] args, Map<String, String> env) {
    Path file = env.containsKey("PORTCULLIS_CONFIG") ? Path.of(env.get("PORTCULLIS_CONFIG")) : null;
    boolean dev = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--dev")) {
        dev = true;
      } else if (a.equals("--config") && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else if (a.startsWith("--config=")) {
        file = Path.of(a.substring("--config=".length()));
      } else if (a.equals("--config")) {
        System.err.println("portcullis: --config needs a file: portcullis --config FILE");
        return EXIT_CONFIG;
      } else {
        System.err.println(
            "portcullis: unknown argument '" + a + "'; usage: portcullis [--config FILE] [--dev]");
        return EXIT_CONFIG;
      }
    }
    GatewayConfig config;
    try {
      config = ConfigLoader.load(file, env, dev);
      if (dev) {
        DevMode.refuseInProduction(config);
      }
    } catch (ConfigException e) {
      System.err.println("portcullis: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    }
    List<String> links = ConfigLoader.serviceLinkValues(env);
    if (!links.isEmpty()) {
      LOG.warn(
          "ignoring {}: Kubernetes service-link values (tcp://host:port), not settings;"
              + " set enableServiceLinks: false on the pod",
          links);
    }
    Vertx vertx = Vertx.vertx(Gateway.vertxOptions(config));
    Gateway gateway;
    try {
      if (dev) {
        DevMode.Instance instance =
            DevMode.start(vertx, config, Clock.systemUTC())
                .toCompletionStage()
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        System.out.println(instance.banner());
        gateway = instance.gateway();
      } else {
        gateway =
            Gateway.builder(config)
                .vertx(vertx)
                .build()
                .start()
                .toCompletionStage()
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ConfigException ce) {
        System.err.println("portcullis: invalid configuration: " + ce.getMessage());
        vertx.close();
        return EXIT_CONFIG;
      }
      return startupFailed(vertx, null, e.getCause());
    } catch (ConfigException e) {
      System.err.println("portcullis: invalid configuration: " + e.getMessage());
      vertx.close();
      return EXIT_CONFIG;
    } catch (Exception e) {
      return startupFailed(vertx, null, e);
    }
    // Listening; /healthz answers, /readyz is 503 until keys, revocation state and (under
    // rate_limit_on_redis_failure: closed) Redis are usable. This blocking wait runs on the main
    // thread, never on an event loop; it is bounded by the startup timeout when one is set.
    Duration startup = config.server().startupTimeout();
    try {
      var passed = StartupGate.install(gateway).await(startup).toCompletionStage();
      if (startup.isZero()) {
        passed.toCompletableFuture().get();
      } else {
        passed.toCompletableFuture().get(startup.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      }
    } catch (ExecutionException e) {
      return startupFailed(vertx, gateway, e.getCause());
    } catch (Exception e) {
      return startupFailed(vertx, gateway, e);
    }
    GracefulExit.install(gateway, vertx);
    LOG.info("portcullis ready");
    return 0;
  }

  /** One line on stderr naming what failed and why; the detail (stack) goes to the debug log. */
  private static int startupFailed(Vertx vertx, Gateway gateway, Throwable e) {
    String line =
        e instanceof StartupFailure f ? f.getMessage() : "startup: " + StartupFailure.reason(e);
    System.err.println("portcullis: startup failed: " + line);
    LOG.debug("startup failed", e);
    try {
      GracefulExit.thenClose(gateway == null ? Future.succeededFuture() : gateway.stop(), vertx)
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception closing) {
      LOG.debug("close after a failed startup: {}", closing.toString());
    }
    return EXIT_STARTUP;
  }
}

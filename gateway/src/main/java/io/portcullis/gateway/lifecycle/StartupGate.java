package io.portcullis.gateway.lifecycle;

import io.portcullis.gateway.Gateway;
import io.portcullis.gateway.health.ReadinessCheck;
import io.portcullis.keyset.SourceStatus;
import io.portcullis.ratelimit.FailureMode;
import io.portcullis.ratelimit.impl.RedisUrls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup is done only when the keys, every other readiness part (the revocation state, ...) and a
 * configured Redis are usable. Until then the gate is itself a failing part of {@code /readyz}
 * ({@code startup}); past the startup timeout (none by default) {@link #await} fails with a {@link
 * StartupFailure} naming the first part still unusable and why.
 *
 * <p>Redis counts here only under {@code closed}, where the instance cannot serve without it. Under
 * {@code local} or {@code open} a Redis outage must not stop an instance from starting: a restart
 * or a scale-up during the outage would crash-loop and turn a degraded rate limiter into lost
 * capacity. The limiter then starts on its fallback and reports the outage the way it does at any
 * other time ({@code portcullis_ratelimit_backend_errors_total}, {@code decision="local_*"}).
 */
public final class StartupGate implements ReadinessCheck {
  static final String NAME = "startup";
  private static final long TICK_MILLIS = 100;
  private static final long REDIS_RETRY_MILLIS = 500;
  static final Duration WAITING_LOG_EVERY = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(StartupGate.class);

  private final Gateway gateway;
  private volatile boolean passed;
  private volatile String waitingFor = "startup checks not run yet";
  private volatile boolean redisAnswered;
  private volatile String redisError = "no answer yet";

  private StartupGate(Gateway gateway) {
    this.gateway = gateway;
  }

  /** Adds a gate to the gateway's readiness: {@code /readyz} is 503 until {@link #await} passes. */
  public static StartupGate install(Gateway gateway) {
    StartupGate gate = new StartupGate(gateway);
    gateway.readiness().add(gate);
    return gate;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Status status() {
    return passed ? Status.up("dependencies usable") : Status.down("waiting for " + waitingFor);
  }

  /**
   * Succeeds once everything is usable; fails after {@code timeout} naming what is not. A zero
   * timeout waits without limit, logging what it waits for every {@link #WAITING_LOG_EVERY}.
   */
  public Future<Void> await(Duration timeout) {
    Vertx vertx = gateway.vertx();
    Promise<Void> done = Promise.promise();
    long[] tick = {-1};
    long startNanos = System.nanoTime();
    long[] lastLog = {startNanos};
    long deadline =
        timeout.isZero()
            ? -1
            : vertx.setTimer(
                timeout.toMillis(),
                t -> {
                  List<Problem> left = problems();
                  Problem first =
                      left.isEmpty() ? new Problem("startup", "timed out") : left.get(0);
                  done.tryFail(
                      new StartupFailure(
                          first.part(),
                          first.detail()
                              + "; not usable within "
                              + timeout.toSeconds()
                              + "s (PORTCULLIS_STARTUP_TIMEOUT)"));
                });
    if (redisRequired()) {
      probeRedis(done.future());
    }
    // The Redis limiter's warm-up is its first connection: checking before it would fail fast.
    gateway
        .rateLimiter()
        .warmUp()
        .onComplete(
            w -> {
              if (done.future().isComplete()) {
                return;
              }
              tick[0] =
                  vertx.setPeriodic(
                      0,
                      TICK_MILLIS,
                      t -> {
                        List<Problem> left = problems();
                        if (left.isEmpty()) {
                          passed = true;
                          done.tryComplete();
                        } else {
                          waitingFor = left.get(0).toString();
                          long now = System.nanoTime();
                          if (now - lastLog[0] >= WAITING_LOG_EVERY.toNanos()) {
                            lastLog[0] = now;
                            LOG.warn(
                                "not ready after {}s: waiting for {}",
                                Duration.ofNanos(now - startNanos).toSeconds(),
                                waitingFor);
                          }
                        }
                      });
            });
    return done.future()
        .onComplete(
            ar -> {
              if (deadline >= 0) {
                vertx.cancelTimer(deadline);
              }
              if (tick[0] >= 0) {
                vertx.cancelTimer(tick[0]);
              }
            });
  }

  /** Whether the instance cannot serve without Redis: a REDIS_URL under {@code closed}. */
  private boolean redisRequired() {
    return gateway.config().rateLimits().redisUrl() != null
        && gateway.config().rateLimits().onRedisFailure() == FailureMode.CLOSED;
  }

  /** What is not usable yet, in order: the readiness parts (keys first), then Redis. */
  private List<Problem> problems() {
    List<Problem> out = new ArrayList<>();
    JsonObject checks = gateway.readiness().report().getJsonObject("checks");
    for (String name : checks.fieldNames()) {
      JsonObject c = checks.getJsonObject(name);
      if (name.equals(NAME) || name.equals("draining") || "up".equals(c.getString("status"))) {
        continue;
      }
      String detail = c.getString("detail");
      if (name.equals("keys")) {
        detail += keySourceErrors();
      }
      out.add(new Problem(name, detail));
    }
    if (redisRequired() && !redisAnswered) {
      out.add(new Problem("redis", "unreachable at " + redactedRedis() + " (" + redisError + ")"));
    }
    return out;
  }

  /** Why the key sources failed, e.g. {@code " (jwks https://idp/jwks: connection refused)"}. */
  private String keySourceErrors() {
    List<String> errors = new ArrayList<>();
    for (SourceStatus s : gateway.keySet().sources()) {
      if (s.lastError() != null) {
        errors.add(s.source() + ": " + s.lastError());
      }
    }
    return errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")";
  }

  private String redactedRedis() {
    return RedisUrls.redact(gateway.config().rateLimits().redisUrl());
  }

  /**
   * A fresh connection and PING until one answers: the gate's own look at Redis, with the error it
   * got (the limiter's circuit breaker only opens after several failures, and keeps its errors).
   */
  private void probeRedis(Future<Void> gateDone) {
    Redis probe =
        Redis.createClient(
            gateway.vertx(), RedisUrls.toOptions(gateway.config().rateLimits().redisUrl()));
    probe
        .connect()
        .compose(c -> c.send(Request.cmd(Command.PING)).eventually(c::close))
        .timeout(REDIS_RETRY_MILLIS * 4, TimeUnit.MILLISECONDS)
        .onComplete(
            ar -> {
              probe.close();
              if (ar.succeeded()) {
                redisAnswered = true;
              } else {
                redisError = StartupFailure.reason(ar.cause());
                if (!gateDone.isComplete()) {
                  gateway.vertx().setTimer(REDIS_RETRY_MILLIS, t -> probeRedis(gateDone));
                }
              }
            });
  }

  private record Problem(String part, String detail) {
    @Override
    public String toString() {
      return part + ": " + detail;
    }
  }
}

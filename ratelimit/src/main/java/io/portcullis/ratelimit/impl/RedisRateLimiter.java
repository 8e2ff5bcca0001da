package io.portcullis.ratelimit.impl;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.ratelimit.Decision;
import io.portcullis.ratelimit.FailureMode;
import io.portcullis.ratelimit.RateLimitPolicy;
import io.portcullis.ratelimit.RateLimiter;
import io.portcullis.ratelimit.RedisRateLimiterOptions;
import io.portcullis.ratelimit.ResolvedLimit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed limiter: a Lua token bucket in Redis, at most one {@code EVALSHA} per decision
 * (the decisions of one event-loop pass share one, see {@link BucketCalls}), through the Vert.x
 * Redis client (standalone, Sentinel or Cluster, see {@link RedisUrls}).
 *
 * <h2>Why not Bucket4j's Redis proxy managers</h2>
 *
 * Bucket4j's Redis integrations are compare-and-swap based: read the bucket state, compute in the
 * JVM, write it back conditionally — two round trips per decision, and under contention on one hot
 * key (exactly a busy tenant across several gateways) the CAS fails and retries (bucket4j issues
 * #603, #407). Its batching/delaying optimizations trade that for a bounded overshoot. A Lua script
 * makes the read-refill-consume-write atomic inside Redis: one round trip, no retries, no
 * overshoot. The script mirrors Bucket4j's greedy refill so both backends pass one contract suite.
 *
 * <h2>Keys</h2>
 *
 * {@code <prefix>{<bucket key>}}: the whole bucket key is the Cluster hash tag (one bucket, one
 * slot); buckets {@code PEXPIRE} once they would be full again. Time comes from the injected clock
 * (passed to the script), so tests move time; across instances the script never moves a bucket's
 * time backwards, so clock skew can only refill early by the skew.
 *
 * <h2>Failures</h2>
 *
 * Each call is bounded by {@code callTimeout} (50 ms by default); consecutive failures open a
 * {@link CircuitBreaker}, after which decisions are made at once without touching Redis, by the
 * {@link FailureMode}: {@code LOCAL} — in-process Bucket4j buckets enforcing this instance's share
 * ({@code limit / live instances}, rounded up; the live count comes from a heartbeat sorted set
 * while Redis is healthy, the last known count while it is not); {@code OPEN} — allow; {@code
 * CLOSED} — refuse ({@link Decision.Outcome#FAILED_CLOSED}, the gateway answers 503 and reports not
 * ready). A background probe (half-open, exponential backoff) closes the breaker when Redis answers
 * again: recovery needs no restart and no traffic.
 */
public final class RedisRateLimiter implements RateLimiter {
  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);
  private static final long PROBE_TICK_MILLIS = 25;

  private final Vertx vertx;
  private final RedisRateLimiterOptions options;
  private final Clock clock;
  private final RedisLanes redis;
  private final BucketCalls buckets;
  private final LuaScript bucketScript = LuaScript.load("token_buckets.lua");
  private final LuaScript heartbeatScript = LuaScript.load("heartbeat.lua");
  private final CircuitBreaker breaker;
  private final LocalBuckets local;
  private final DecisionMetrics metrics;
  private final String instanceId = UUID.randomUUID().toString();
  private final String instancesKey;
  private final long timeoutMillis;
  private final long heartbeatTimer;
  private final long probeTimer;
  private final Future<Void> warmUp;
  private volatile int liveInstances = 1;
  private volatile boolean closed;

  private RedisRateLimiter(
      Vertx vertx, RedisRateLimiterOptions options, Clock clock, MeterRegistry registry) {
    this.vertx = vertx;
    this.options = options;
    this.clock = clock;
    this.timeoutMillis = options.callTimeout().toMillis();
    this.instancesKey = options.keyPrefix() + "{instances}";
    RedisOptions redisOptions =
        RedisUrls.toOptions(options.url())
            // RedisLanes keeps one pooled connection per event loop checked out for good: the pool
            // must hold one per possible event loop (Vert.x allows up to twice the processors)
            // plus the limiter's own timers, or a loop would wait for a connection forever.
            .setMaxPoolSize(Math.max(options.maxPoolSize(), RedisLanes.connectionsNeeded()))
            // Requests queue for a pooled connection; each is still bounded by callTimeout.
            .setMaxPoolWaiting(8192)
            .setMaxWaitingHandlers(8192)
            .setNetClientOptions(
                new NetClientOptions()
                    .setConnectTimeout((int) connectTimeoutMillis())
                    .setTcpNoDelay(true)
                    .setTcpKeepAlive(true));
    this.redis = new RedisLanes(Redis.createClient(vertx, redisOptions));
    this.buckets =
        new BucketCalls(
            vertx,
            redis,
            bucketScript,
            redisOptions.getType() != RedisClientType.CLUSTER,
            timeoutMillis);
    this.breaker =
        new CircuitBreaker(
            clock,
            options.failureThreshold(),
            options.probeBackoffMin(),
            options.probeBackoffMax());
    this.local = new LocalBuckets(options.maxLocalBuckets(), clock);
    this.metrics = new DecisionMetrics(registry);
    Gauge.builder("portcullis.ratelimit.backend.healthy", this, l -> l.backendHealthy() ? 1 : 0)
        .description("1 while the rate-limit backend's circuit breaker is closed")
        .register(registry);
    Gauge.builder("portcullis.ratelimit.instances", this, l -> l.liveInstances)
        .description("Live gateway instances sharing the limits (last known)")
        .register(registry);
    // The first call opens the connection and loads the heartbeat script (NOSCRIPT → EVAL): give
    // it the connect timeout rather than the hot-path bound, and do it before any request needs it.
    this.warmUp =
        runHeartbeat(connectTimeoutMillis())
            .compose(n -> preload(connectTimeoutMillis()).map(n))
            .onSuccess(n -> liveInstances = n)
            .onFailure(this::backendFailed)
            .<Void>mapEmpty()
            .otherwiseEmpty();
    long interval = options.heartbeatInterval().toMillis();
    this.heartbeatTimer = vertx.setPeriodic(interval, interval, t -> heartbeat());
    this.probeTimer = vertx.setPeriodic(PROBE_TICK_MILLIS, t -> probe());
  }

  private long connectTimeoutMillis() {
    return Math.max(1000, timeoutMillis * 4);
  }

  /**
   * Completes (never fails) once the start-up heartbeat has answered or failed: the connection is
   * open and the instance counted. The gateway may wait for it before reporting ready; decisions
   * made before it may fall back while the connection opens.
   */
  @Override
  public Future<Void> warmUp() {
    return warmUp;
  }

  /**
   * Opens the calling event loop's connection (see {@link RedisLanes}), bounded by the connect
   * timeout; never fails: a loop that could not connect connects on its first decision instead.
   */
  @Override
  public Future<Void> warmUpHere() {
    return bounded(redis.connectHere(), connectTimeoutMillis()).otherwiseEmpty();
  }

  /** Creates the limiter and starts its heartbeat. */
  public static RedisRateLimiter start(
      Vertx vertx, RedisRateLimiterOptions options, Clock clock, MeterRegistry registry) {
    LOG.info(
        "rate limits in Redis at {}, on failure: {}",
        options.redactedUrl(),
        options.failureMode().name().toLowerCase(java.util.Locale.ROOT));
    return new RedisRateLimiter(vertx, options, clock, registry);
  }

  @Override
  public Future<Decision> acquire(ResolvedLimit limit) {
    if (!breaker.allowRequest()) {
      // Breaker open: zero wait, Redis is not touched.
      return Future.succeededFuture(record(limit, fallback(limit)));
    }
    RateLimitPolicy p = limit.policy();
    String key = options.keyPrefix() + "{" + limit.bucketKey() + "}";
    return buckets
        .take(key, clock.millis(), p)
        .map(
            s -> {
              breaker.onSuccess();
              return s.toDecision(p, Decision.Outcome.ALLOWED, Decision.Outcome.LIMITED);
            })
        .otherwise(
            err -> {
              if (err instanceof BucketCalls.NotABucket) {
                // Redis answered: one key holds something else. That bucket falls back; the
                // breaker, which is about Redis being reachable, is left alone.
                metrics.backendError();
                LOG.debug("{}", err.getMessage());
              } else {
                backendFailed(err);
              }
              return fallback(limit);
            })
        .map(d -> record(limit, d));
  }

  private Decision record(ResolvedLimit limit, Decision d) {
    metrics.record(limit.policyLabel(), d);
    return d;
  }

  private Decision fallback(ResolvedLimit limit) {
    RateLimitPolicy p = limit.policy();
    return switch (options.failureMode()) {
      case LOCAL -> {
        RateLimitPolicy share = share(p, liveInstances);
        yield local
            .tryConsume(limit.bucketKey(), share)
            .toDecision(share, Decision.Outcome.LOCAL_ALLOWED, Decision.Outcome.LOCAL_LIMITED);
      }
      case OPEN ->
          new Decision(Decision.Outcome.FAILED_OPEN, p, p.burst(), Duration.ZERO, Duration.ZERO);
      case CLOSED -> {
        Duration retry = breaker.untilNextProbe();
        if (retry.compareTo(Duration.ofSeconds(1)) < 0) {
          retry = Duration.ofSeconds(1);
        }
        yield new Decision(Decision.Outcome.FAILED_CLOSED, p, 0, retry, retry);
      }
    };
  }

  /**
   * This instance's share of a policy: count and burst divided by the live instances, rounded up.
   */
  static RateLimitPolicy share(RateLimitPolicy p, int instances) {
    if (instances <= 1) {
      return p;
    }
    return new RateLimitPolicy(
        Math.max(1, ceilDiv(p.count(), instances)),
        p.period(),
        Math.max(1, ceilDiv(p.burst(), instances)));
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private void backendFailed(Throwable err) {
    metrics.backendError();
    if (breaker.onFailure()) {
      LOG.warn(
          "Redis rate-limit backend failing ({}); breaker open, deciding '{}' without Redis until"
              + " it answers again",
          err.getMessage(),
          options.failureMode().name().toLowerCase(java.util.Locale.ROOT));
    } else {
      LOG.debug("Redis rate-limit call failed: {}", err.getMessage());
    }
  }

  /** Announces this instance and reads the live count; only while the breaker is closed. */
  private void heartbeat() {
    if (closed || !breaker.allowRequest()) {
      return;
    }
    runHeartbeat(timeoutMillis)
        .onSuccess(
            n -> {
              breaker.onSuccess();
              liveInstances = n;
            })
        .onFailure(this::backendFailed);
  }

  /**
   * Half-open probe, off the request path: the heartbeat, then the bucket script reloaded (a
   * restarted Redis has an empty script cache), once per backoff.
   */
  private void probe() {
    if (closed || !breaker.tryStartProbe()) {
      return;
    }
    runHeartbeat(timeoutMillis)
        .compose(n -> preload(timeoutMillis).map(n))
        .onSuccess(
            n -> {
              liveInstances = n;
              breaker.probeSucceeded();
              LOG.info("Redis rate-limit backend answers again; distributed limiting resumed");
            })
        .onFailure(
            err -> {
              metrics.backendError();
              breaker.probeFailed();
            });
  }

  /**
   * Best effort: a failed preload (e.g. a Cluster node the keyless SCRIPT LOAD could not reach)
   * only means one NOSCRIPT → EVAL later, never a failed probe.
   */
  private Future<Void> preload(long timeout) {
    return bounded(bucketScript.preload(redis), timeout)
        .otherwise(
            err -> {
              LOG.debug("SCRIPT LOAD failed, EVALSHA will fall back to EVAL: {}", err.getMessage());
              return null;
            });
  }

  private Future<Integer> runHeartbeat(long timeout) {
    long now = clock.millis();
    long stale = 3 * options.heartbeatInterval().toMillis();
    return bounded(
            heartbeatScript.run(redis, instancesKey, now, instanceId, now - stale, 2 * stale),
            timeout)
        .map(r -> Math.max(1, r.toInteger()));
  }

  /** Fails the call after {@code callTimeout}: the bound on how long anything waits on Redis. */
  private <T> Future<T> bounded(Future<T> call) {
    return bounded(call, timeoutMillis);
  }

  private <T> Future<T> bounded(Future<T> call, long timeout) {
    Promise<T> promise = Promise.promise();
    long timer =
        vertx.setTimer(timeout, t -> promise.tryFail(new BucketCalls.BackendTimeout(timeout)));
    call.onComplete(
        ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded()) {
            promise.tryComplete(ar.result());
          } else {
            promise.tryFail(ar.cause());
          }
        });
    return promise.future();
  }

  /** The last known number of live instances (1 until the first heartbeat answers). */
  public int liveInstances() {
    return liveInstances;
  }

  @Override
  public boolean backendHealthy() {
    return breaker.allowRequest();
  }

  @Override
  public boolean ready() {
    return options.failureMode() != FailureMode.CLOSED || backendHealthy();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(probeTimer);
    Future<?> leave =
        breaker.allowRequest()
            ? bounded(
                redis.send(
                    io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.ZREM)
                        .arg(instancesKey)
                        .arg(instanceId)))
            : Future.succeededFuture();
    return leave.otherwiseEmpty().eventually(redis::close).mapEmpty();
  }
}

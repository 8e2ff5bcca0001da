package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.ratelimit.Decision.Outcome;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Decisions made on several event loops each use their own loop's one connection (no pool
 * round-trip, no thread hop), counted by Redis itself ({@code CLIENT LIST}); a connection Redis
 * drops is replaced on the next decision.
 */
class RedisConnectionPerLoopIT {
  private static final int LOOPS = 4;
  private static final int DECISIONS_PER_LOOP = 200;

  private RedisServer server;
  private Vertx vertx;
  private Redis admin;
  private RateLimiter limiter;

  @BeforeEach
  void start() {
    server = RedisServer.startPrivate();
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LOOPS));
    admin = Redis.createClient(vertx, server.url());
    limiter =
        RateLimiter.redis(
            vertx,
            RedisRateLimiterOptions.of(server.url())
                .withHeartbeatInterval(Duration.ofHours(1))
                .withCallTimeout(Duration.ofSeconds(1)), // semantics here, not the bound
            Clock.systemUTC(),
            new SimpleMeterRegistry());
    Await.result(limiter.warmUp());
  }

  @AfterEach
  void stop() {
    Await.result(limiter.close());
    Await.result(admin.close());
    Await.result(vertx.close());
    server.close();
  }

  @Test
  void eachEventLoopUsesOneConnectionAndADroppedOneIsReplaced() {
    int before = limiterConnections();
    List<Outcome> outcomes = decideOnEveryLoop();
    assertThat(outcomes).hasSize(LOOPS * DECISIONS_PER_LOOP).containsOnly(Outcome.ALLOWED);
    // One connection per loop that decided, plus the one the start-up heartbeat opened.
    int during = limiterConnections();
    assertThat(during - before).isBetween(LOOPS - 1, LOOPS);
    assertThat(during).isLessThanOrEqualTo(LOOPS + 1);

    // Redis drops every client connection (a failover, a restart, CLIENT KILL by an operator).
    Await.result(admin.send(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("normal")));
    // The next decisions on every loop reconnect; they are served by Redis again, not refused.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<Outcome> after;
    do {
      after = decideOnEveryLoop();
    } while (after.contains(Outcome.LOCAL_ALLOWED) && System.nanoTime() < deadline);
    assertThat(after).containsOnly(Outcome.ALLOWED);
    assertThat(limiterConnections()).isLessThanOrEqualTo(LOOPS + 1);
  }

  @Test
  void concurrentDecisionsOfOneLoopShareOneCallExactlyAlsoAfterTheScriptCacheIsLost() {
    RateLimitPolicy policy = RateLimitPolicy.parse("10/min");
    assertThat(burstOnOneLoop("org:burst", policy, 40))
        .filteredOn(o -> o == Outcome.ALLOWED)
        .hasSize(10);
    // A restarted Redis has no scripts: the shared EVALSHA meets NOSCRIPT (nothing ran), and the
    // same call is made once with EVAL: every decision once, none twice, none falling back.
    Await.result(admin.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
    List<Outcome> after = burstOnOneLoop("org:burst2", policy, 40);
    assertThat(after).containsOnly(Outcome.ALLOWED, Outcome.LIMITED);
    assertThat(after).filteredOn(o -> o == Outcome.ALLOWED).hasSize(10);
  }

  /** {@code n} decisions started in one event-loop task, so they share one script call. */
  private List<Outcome> burstOnOneLoop(String key, RateLimitPolicy policy, int n) {
    io.vertx.core.Promise<List<Outcome>> done = io.vertx.core.Promise.promise();
    vertx.runOnContext(
        v ->
            limiter
                .warmUpHere()
                .onComplete(
                    w -> {
                      List<Future<Decision>> all = new ArrayList<>();
                      for (int i = 0; i < n; i++) {
                        all.add(limiter.acquire(key, policy));
                      }
                      Future.join(all)
                          .onComplete(
                              ar ->
                                  done.complete(
                                      all.stream().map(f -> f.result().outcome()).toList()));
                    }));
    return Await.result(done.future());
  }

  /** Runs DECISIONS_PER_LOOP decisions on each event loop. */
  private List<Outcome> decideOnEveryLoop() {
    RateLimitPolicy policy = RateLimitPolicy.parse("1000000/s");
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
    Await.result(
        vertx.deployVerticle(
            () ->
                new VerticleBase() {
                  @Override
                  public Future<?> start() {
                    threads.put(Thread.currentThread(), true);
                    // as the gateway's proxy verticles do before they listen
                    return limiter.warmUpHere().compose(v -> decide());
                  }

                  /** One after another on this loop (the loops run side by side). */
                  private Future<Void> decide() {
                    Future<Void> chain = Future.succeededFuture();
                    for (int i = 0; i < DECISIONS_PER_LOOP; i++) {
                      String key = "org:t" + (i % 10);
                      chain =
                          chain.compose(
                              v ->
                                  limiter
                                      .acquire(key, policy)
                                      .map(
                                          d -> {
                                            outcomes.add(d.outcome());
                                            return null;
                                          }));
                    }
                    return chain;
                  }
                },
            new DeploymentOptions().setInstances(LOOPS)));
    assertThat(threads).hasSize(LOOPS);
    return List.copyOf(outcomes);
  }

  /** Client connections Redis sees, minus the admin client's own. */
  private int limiterConnections() {
    String list = Await.result(admin.send(Request.cmd(Command.CLIENT).arg("LIST"))).toString();
    return (int) list.lines().filter(l -> l.contains("addr=")).count() - 1;
  }
}

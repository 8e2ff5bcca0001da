package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.ratelimit.Decision.Outcome;
import io.portcullis.ratelimit.impl.RedisRateLimiter;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Three limiters, each with its own Vert.x and Redis client, share the real Redis for 10 s of real
 * time: one tenant at 50/s gets 50/s in total (not 50/s per instance), and a second tenant flooding
 * at 10× its limit does not change the first tenant's allowance.
 */
class MultiInstanceAccuracyIT {
  private static final int INSTANCES = 3;
  private static final long RUN_MILLIS = 10_000;
  private static final long TICK_MILLIS = 6; // 3 instances × 1 request per tick ≈ 500/s per tenant

  @Test
  void oneLimitAcrossInstancesAndNoNoisyNeighbour() throws Exception {
    String prefix = RedisServer.uniquePrefix() + "rl:";
    // Burst of 3 s of refill: on a starved machine an instance can stall for a second or two, and
    // a bucket that sits full meanwhile wastes refill the formula below counts.
    RateLimitPolicies policies = RateLimitPolicies.of(RateLimitPolicy.parse("50/s burst 150"));
    ResolvedLimit steady =
        policies.resolve(RateLimitSubject.authenticated("/", "steady", null, null, null));
    ResolvedLimit noisy =
        policies.resolve(RateLimitSubject.authenticated("/", "noisy", null, null, null));

    List<Vertx> vertxes = new ArrayList<>();
    List<RateLimiter> limiters = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      Vertx v = Vertx.vertx();
      vertxes.add(v);
      limiters.add(
          RateLimiter.redis(
              v,
              RedisRateLimiterOptions.of(RedisServer.shared().url())
                  .withKeyPrefix(prefix)
                  .withHeartbeatInterval(Duration.ofMillis(200))
                  // accuracy, not the failure bound, is under test here: a loaded CI machine
                  // must not push calls into the local fallback
                  .withCallTimeout(Duration.ofSeconds(1)),
              Clock.systemUTC(),
              new SimpleMeterRegistry()));
    }
    try {
      for (RateLimiter l : limiters) {
        Await.result(l.warmUp());
      }
      // JIT and connection warm-up on a bucket of its own, so the measured run starts hot
      ResolvedLimit warm =
          policies.resolve(RateLimitSubject.authenticated("/", "warm", null, null, null));
      for (int i = 0; i < 300; i++) {
        Await.result(limiters.get(i % INSTANCES).acquire(warm));
      }
      Map<Outcome, LongAdder> steadyOutcomes = new ConcurrentHashMap<>();
      Map<Outcome, LongAdder> noisyOutcomes = new ConcurrentHashMap<>();
      LongAdder[] steadyAllowedPerInstance = new LongAdder[INSTANCES];
      LongAdder failed = new LongAdder();
      AtomicLong firstNanos = new AtomicLong();
      AtomicLong lastNanos = new AtomicLong();
      long start = System.nanoTime();
      firstNanos.set(start);
      long end = start + RUN_MILLIS * 1_000_000;
      List<Long> timers = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        int id = i;
        steadyAllowedPerInstance[i] = new LongAdder();
        RateLimiter l = limiters.get(i);
        timers.add(
            vertxes
                .get(i)
                .setPeriodic(
                    TICK_MILLIS,
                    t -> {
                      if (System.nanoTime() >= end) {
                        return;
                      }
                      lastNanos.accumulateAndGet(System.nanoTime(), Math::max);
                      l.acquire(steady)
                          .onSuccess(
                              d -> {
                                count(steadyOutcomes, d);
                                if (d.allowed()) {
                                  steadyAllowedPerInstance[id].increment();
                                }
                              })
                          .onFailure(e -> failed.increment());
                      l.acquire(noisy)
                          .onSuccess(d -> count(noisyOutcomes, d))
                          .onFailure(e -> failed.increment());
                    }));
      }
      Thread.sleep(RUN_MILLIS + 1_000); // the test thread waits out the real-time run
      for (int i = 0; i < INSTANCES; i++) {
        vertxes.get(i).cancelTimer(timers.get(i));
      }

      double seconds = (lastNanos.get() - firstNanos.get()) / 1e9;
      double expected = 50 * seconds + 150; // refill over the run plus the initial burst
      // what the clients got: a decision made locally during a breaker blip is an answer too
      long steadyAllowed =
          sum(steadyOutcomes, Outcome.ALLOWED) + sum(steadyOutcomes, Outcome.LOCAL_ALLOWED);
      long noisyAllowed =
          sum(noisyOutcomes, Outcome.ALLOWED) + sum(noisyOutcomes, Outcome.LOCAL_ALLOWED);
      long noisyLimited = sum(noisyOutcomes, Outcome.LIMITED);
      System.out.printf(
          "multi-instance: run %.2f s, expected %.0f, steady allowed %d (%+.2f %%), per instance %s;"
              + " noisy allowed %d limited %d (offered %.0f/s); live instances %s%n",
          seconds,
          expected,
          steadyAllowed,
          100.0 * (steadyAllowed - expected) / expected,
          java.util.Arrays.toString(steadyAllowedPerInstance),
          noisyAllowed,
          noisyLimited,
          (noisyAllowed + noisyLimited) / seconds,
          limiters.stream().map(l -> ((RedisRateLimiter) l).liveInstances()).toList());

      assertThat(failed.sum()).as("no failed futures").isZero();
      // A stall past the 1 s call bound opens a breaker for a moment (the instance then decides its
      // 1/3 share locally): the bulk must come from Redis.
      long local =
          sum(steadyOutcomes, Outcome.LOCAL_ALLOWED)
              + sum(steadyOutcomes, Outcome.LOCAL_LIMITED)
              + sum(noisyOutcomes, Outcome.LOCAL_ALLOWED)
              + sum(noisyOutcomes, Outcome.LOCAL_LIMITED);
      long all =
          steadyOutcomes.values().stream().mapToLong(LongAdder::sum).sum()
              + noisyOutcomes.values().stream().mapToLong(LongAdder::sum).sum();
      assertThat(local).as("decisions from Redis, not the local fallback").isLessThan(all / 50);
      assertThat((double) steadyAllowed).isBetween(expected * 0.95, expected * 1.05);
      assertThat((double) noisyAllowed).isBetween(expected * 0.95, expected * 1.05);
      assertThat((noisyAllowed + noisyLimited) / seconds)
          .as("the flood is ~10× the limit")
          .isGreaterThan(400);
      for (LongAdder perInstance : steadyAllowedPerInstance) {
        assertThat(perInstance.sum()).as("load spread across all instances").isPositive();
      }
      for (RateLimiter l : limiters) {
        assertThat(((RedisRateLimiter) l).liveInstances()).isEqualTo(INSTANCES);
      }
    } finally {
      for (int i = 0; i < INSTANCES; i++) {
        Await.result(limiters.get(i).close());
        Await.result(vertxes.get(i).close());
      }
    }
  }

  private static void count(Map<Outcome, LongAdder> outcomes, Decision d) {
    outcomes.computeIfAbsent(d.outcome(), o -> new LongAdder()).increment();
  }

  private static long sum(Map<Outcome, LongAdder> outcomes, Outcome o) {
    LongAdder a = outcomes.get(o);
    return a == null ? 0 : a.sum();
  }
}

package io.portcullis.ratelimit.impl;

import io.portcullis.ratelimit.RateLimitPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes tokens in Redis: the decisions one event loop asks for during one pass of the loop leave
 * together, as one {@code EVALSHA} of {@code token_buckets.lua} with one key per decision (at most
 * {@link #MAX_KEYS}), and each caller gets its own bucket's answer.
 *
 * <p>Why: Redis spends most of a small script's cost on the call itself (reading, parsing and
 * answering the command, entering Lua), not on the bucket arithmetic, and the gateway spends it on
 * building, encoding and parsing one command and one timer per decision. Measured with
 * redis-benchmark on the bench machine: 11.2 µs of Redis CPU per decision with one key per call,
 * 8.6 with two, 7.6 with four (load-tests/RESULTS.md, 2026-11-22). Every decision is still made
 * atomically inside Redis, in the order asked, with the caller's own clock reading: results are
 * exactly those of one call per decision, and no decision waits for more than the pass it was asked
 * in plus the round trip.
 *
 * <p>The first decision of a pass schedules the send on the loop ({@code runOnContext}), which runs
 * after the loop has handled the sockets that were ready together. Off an event loop (tests, the
 * main thread), and for Redis Cluster, where one script call may only touch one slot, every
 * decision is its own call.
 *
 * <p>Failures are per call: one timer bounds the whole call by {@code timeoutMillis}, and a timeout
 * or error fails every decision in it (none is resent: a token taken must not be taken twice). A
 * key holding something else fails only its own decision ({@link NotABucket}); the others are
 * decided.
 */
final class BucketCalls {
  static final int MAX_KEYS = 64;

  private final Vertx vertx;
  private final RedisLanes redis;
  private final LuaScript script;
  private final boolean together;
  private final long timeoutMillis;
  private final ThreadLocal<List<Call>> passes = ThreadLocal.withInitial(ArrayList::new);

  /**
   * @param together whether the decisions of one pass may share a call (not for Redis Cluster)
   */
  BucketCalls(
      Vertx vertx, RedisLanes redis, LuaScript script, boolean together, long timeoutMillis) {
    this.vertx = vertx;
    this.redis = redis;
    this.script = script;
    this.together = together;
    this.timeoutMillis = timeoutMillis;
  }

  /** Takes one token from bucket {@code key} at {@code nowMillis} under {@code policy}. */
  Future<BucketState> take(String key, long nowMillis, RateLimitPolicy policy) {
    Call call = new Call(key, nowMillis, policy, Promise.promise());
    Context loop = together ? Vertx.currentContext() : null;
    if (loop == null || !loop.isEventLoopContext()) {
      send(List.of(call));
      return call.answer.future();
    }
    List<Call> pass = passes.get();
    if (pass.isEmpty()) {
      loop.runOnContext(v -> flush(pass));
    }
    pass.add(call);
    return call.answer.future();
  }

  private void flush(List<Call> pass) {
    List<Call> calls = List.copyOf(pass);
    pass.clear();
    for (int from = 0; from < calls.size(); from += MAX_KEYS) {
      send(calls.subList(from, Math.min(calls.size(), from + MAX_KEYS)));
    }
  }

  private void send(List<Call> calls) {
    long timer =
        vertx.setTimer(
            timeoutMillis,
            t -> calls.forEach(c -> c.answer.tryFail(new BackendTimeout(timeoutMillis))));
    script
        .run(
            redis,
            calls.size(),
            r -> {
              for (Call c : calls) {
                r.arg(c.key);
              }
              for (Call c : calls) {
                RateLimitPolicy p = c.policy;
                r.arg(c.nowMillis).arg(p.count()).arg(p.period().toMillis()).arg(p.burst());
              }
            })
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              if (ar.failed()) {
                calls.forEach(c -> c.answer.tryFail(ar.cause()));
              } else {
                answer(calls, ar.result());
              }
            });
  }

  private static void answer(List<Call> calls, Response r) {
    for (int i = 0; i < calls.size(); i++) {
      Call c = calls.get(i);
      int a = i * 4;
      int allowed = r.get(a).toInteger();
      if (allowed < 0) {
        c.answer.tryFail(new NotABucket(c.key));
      } else {
        c.answer.tryComplete(
            new BucketState(
                allowed == 1, r.get(a + 1).toLong(), r.get(a + 2).toLong(), r.get(a + 3).toLong()));
      }
    }
  }

  private record Call(
      String key, long nowMillis, RateLimitPolicy policy, Promise<BucketState> answer) {}

  /** Stackless: a timeout is an expected, counted event, not a bug. */
  static final class BackendTimeout extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BackendTimeout(long millis) {
      super("no answer from Redis within " + millis + " ms", null, false, false);
    }
  }

  /** The bucket's key holds something that is not a bucket (someone else wrote it); left alone. */
  static final class NotABucket extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotABucket(String key) {
      super("rate-limit key " + key + " holds something other than a bucket", null, false, false);
    }
  }
}

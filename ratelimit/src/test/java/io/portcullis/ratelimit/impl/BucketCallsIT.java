package io.portcullis.ratelimit.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.ratelimit.RateLimitPolicy;
import io.portcullis.testkit.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decisions of one event-loop pass leave as one script call, in order, each caller getting its
 * own bucket's answer; a key of another type fails only its own decision; a call without an answer
 * fails its decisions once the bound has passed; off an event loop each decision is its own call.
 * Counted by Redis itself, on a server of the test's own.
 */
class BucketCallsIT {
  private static final RateLimitPolicy TEN_PER_MINUTE = RateLimitPolicy.parse("10/min");
  private static final Pattern EVALSHA = Pattern.compile("cmdstat_evalsha:calls=(\\d+),");
  private static final long NOW = 1_700_000_000_000L;

  private RedisServer server;
  private Vertx vertx;
  private Redis admin;
  private RedisLanes lanes;
  private LuaScript script;

  @BeforeEach
  void start() throws Exception {
    server = RedisServer.startPrivate();
    vertx = Vertx.vertx();
    admin = Redis.createClient(vertx, server.url());
    lanes = new RedisLanes(Redis.createClient(vertx, server.url()));
    script = LuaScript.load("token_buckets.lua");
    await(script.preload(lanes));
  }

  @AfterEach
  void stop() throws Exception {
    await(lanes.close());
    await(admin.close());
    await(vertx.close());
    server.close();
  }

  @Test
  void decisionsOfOnePassLeaveAsOneCallInOrderEachWithItsOwnAnswer() throws Exception {
    BucketCalls calls = new BucketCalls(vertx, lanes, script, true, 2_000);
    resetStats();
    List<BucketState> answers =
        onLoop(
            () -> {
              List<Future<BucketState>> all = new ArrayList<>();
              for (int i = 0; i < 130; i++) {
                all.add(calls.take(i % 2 == 0 ? "rl{a}" : "rl{b}", NOW, TEN_PER_MINUTE));
              }
              return all;
            });
    assertThat(evalshaCalls()).as("130 decisions, at most 64 per call").isEqualTo(3);
    for (String bucket : List.of("a", "b")) {
      int first = bucket.equals("a") ? 0 : 1;
      List<Long> remaining = new ArrayList<>();
      int allowed = 0;
      for (int i = first; i < answers.size(); i += 2) {
        BucketState s = answers.get(i);
        allowed += s.allowed() ? 1 : 0;
        if (s.allowed()) {
          remaining.add(s.remaining());
        } else {
          assertThat(s.retryMillis()).isEqualTo(6_000); // one token per 6 s
        }
      }
      assertThat(allowed).as("bucket %s", bucket).isEqualTo(10);
      // in the order asked: the i-th caller of a bucket saw the i-th decision
      assertThat(remaining).containsExactly(9L, 8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L, 0L);
    }
  }

  @Test
  void aKeyHoldingSomethingElseFailsOnlyItsOwnDecision() throws Exception {
    BucketCalls calls = new BucketCalls(vertx, lanes, script, true, 2_000);
    await(admin.send(Request.cmd(Command.SET).arg("rl{text}").arg("not a bucket")));
    await(admin.send(Request.cmd(Command.HSET).arg("rl{hash}").arg("t").arg("1")));
    resetStats();
    List<Future<BucketState>> sent = new ArrayList<>();
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(
        v -> {
          sent.add(calls.take("rl{a}", NOW, TEN_PER_MINUTE));
          sent.add(calls.take("rl{text}", NOW, TEN_PER_MINUTE));
          sent.add(calls.take("rl{b}", NOW, TEN_PER_MINUTE));
          sent.add(calls.take("rl{hash}", NOW, TEN_PER_MINUTE));
          Future.join(sent).onComplete(ar -> done.complete());
        });
    await(done.future());
    assertThat(evalshaCalls()).isEqualTo(1);
    assertThat(sent.get(1).cause()).isInstanceOf(BucketCalls.NotABucket.class);
    assertThat(sent.get(3).cause()).isInstanceOf(BucketCalls.NotABucket.class);
    assertThat(sent.get(0).result().remaining()).isEqualTo(9);
    assertThat(sent.get(2).result().remaining()).isEqualTo(9);
    assertThat(await(admin.send(Request.cmd(Command.GET).arg("rl{text}"))).toString())
        .isEqualTo("not a bucket");
    // each bucket was taken from exactly once: nothing was resent
    assertThat(tokensIn("rl{a}")).isEqualTo(9.0);
    assertThat(tokensIn("rl{b}")).isEqualTo(9.0);
  }

  @Test
  void aCallWithoutAnswerFailsAllItsDecisionsAfterTheBound() throws Exception {
    BucketCalls calls = new BucketCalls(vertx, lanes, script, true, 100);
    onLoop(() -> List.of(calls.take("rl{warm}", NOW, TEN_PER_MINUTE))); // connection open
    await(admin.send(Request.cmd(Command.CLIENT).arg("PAUSE").arg(1500).arg("ALL")));
    List<Future<BucketState>> sent = new ArrayList<>();
    Promise<Long> done = Promise.promise();
    long start = System.nanoTime();
    vertx.runOnContext(
        v -> {
          for (int i = 0; i < 5; i++) {
            sent.add(calls.take("rl{p" + i + "}", NOW, TEN_PER_MINUTE));
          }
          Future.join(sent).onComplete(ar -> done.complete(System.nanoTime() - start));
        });
    long waited = TimeUnit.NANOSECONDS.toMillis(await(done.future()));
    assertThat(sent)
        .allSatisfy(f -> assertThat(f.cause()).isInstanceOf(BucketCalls.BackendTimeout.class));
    assertThat(waited).isBetween(100L, 1_000L);
  }

  @Test
  void offAnEventLoopEachDecisionIsItsOwnCall() throws Exception {
    BucketCalls calls = new BucketCalls(vertx, lanes, script, true, 2_000);
    resetStats();
    for (int i = 0; i < 5; i++) {
      assertThat(await(calls.take("rl{t}", NOW, TEN_PER_MINUTE)).remaining()).isEqualTo(9 - i);
    }
    assertThat(evalshaCalls()).isEqualTo(5);
  }

  @Test
  void withoutTogetherEveryDecisionIsItsOwnCallAlsoOnALoop() throws Exception {
    BucketCalls calls = new BucketCalls(vertx, lanes, script, false, 2_000);
    resetStats();
    onLoop(
        () -> {
          List<Future<BucketState>> all = new ArrayList<>();
          for (int i = 0; i < 7; i++) {
            all.add(calls.take("rl{c" + i + "}", NOW, TEN_PER_MINUTE));
          }
          return all;
        });
    assertThat(evalshaCalls()).isEqualTo(7);
  }

  /** The tokens field of a stored bucket: 24 bytes, three little-endian doubles. */
  private double tokensIn(String key) throws Exception {
    byte[] raw = await(admin.send(Request.cmd(Command.GET).arg(key))).toBytes();
    assertThat(raw).hasSize(24);
    return java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).getDouble(0);
  }

  private void resetStats() throws Exception {
    await(admin.send(Request.cmd(Command.CONFIG).arg("RESETSTAT")));
  }

  private long evalshaCalls() throws Exception {
    String info = await(admin.send(Request.cmd(Command.INFO).arg("commandstats"))).toString();
    Matcher m = EVALSHA.matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** Asks from one event-loop task, waits for every answer. */
  private List<BucketState> onLoop(Supplier<List<Future<BucketState>>> asks) throws Exception {
    Promise<List<BucketState>> result = Promise.promise();
    vertx.runOnContext(
        v -> {
          List<Future<BucketState>> all = asks.get();
          Future.all(all)
              .onComplete(
                  ar -> {
                    if (ar.failed()) {
                      result.fail(ar.cause());
                      return;
                    }
                    result.complete(all.stream().map(Future::result).toList());
                  });
        });
    return await(result.future());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

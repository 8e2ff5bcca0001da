package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.ratelimit.Decision.Outcome;
import io.portcullis.ratelimit.impl.RedisRateLimiter;
import io.portcullis.testkit.Binaries;
import io.portcullis.testkit.Ports;
import io.portcullis.testkit.Resp;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code redis-cluster://} URL form against a real three-master cluster started from the
 * harness's {@code redis-server} (the machine's, else the embedded one): EVALSHA is routed by the
 * bucket's hash tag, buckets on different slots stay independent, and the heartbeat key works.
 */
class RedisClusterIT {
  private static final List<Process> NODES = new ArrayList<>();
  private static final List<Integer> PORTS = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir = Files.createTempDirectory("portcullis-cluster-");
    while (PORTS.size() < 3) {
      int p = Ports.free();
      // the cluster bus listens on port + 10000
      if (p + 10000 <= 65535 && !Ports.listening(p + 10000) && !PORTS.contains(p)) {
        PORTS.add(p);
      }
    }
    for (int port : PORTS) {
      Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
      NODES.add(
          new ProcessBuilder(
                  Binaries.redisServer().toString(),
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--cluster-enabled",
                  "yes",
                  "--cluster-config-file",
                  "nodes.conf",
                  "--save",
                  "",
                  "--appendonly",
                  "no",
                  "--dir",
                  nodeDir.toString())
              .redirectErrorStream(true)
              .redirectOutput(nodeDir.resolve("redis.log").toFile())
              .start());
    }
    for (int port : PORTS) {
      Ports.awaitListening(port, Duration.ofSeconds(10));
    }
    // what `redis-cli --cluster create` does: a third of the slots each, then introductions
    int[][] ranges = {{0, 5460}, {5461, 10922}, {10923, 16383}};
    for (int i = 0; i < PORTS.size(); i++) {
      List<String> addSlots = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
      for (int slot = ranges[i][0]; slot <= ranges[i][1]; slot++) {
        addSlots.add(Integer.toString(slot));
      }
      Resp.command(PORTS.get(i), addSlots.toArray(String[]::new));
      Resp.command(PORTS.get(i), "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
    }
    for (int port : PORTS.subList(1, PORTS.size())) {
      Resp.command(PORTS.get(0), "CLUSTER", "MEET", "127.0.0.1", Integer.toString(port));
    }
    // wait until every node reports the cluster ok (slots assigned and agreed)
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (int port : PORTS) {
      while (!Resp.command(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("cluster never became ok");
        }
        Thread.sleep(100);
      }
    }
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    for (Process p : NODES) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void bucketsAreRoutedByTheirHashTag() {
    Vertx vertx = Vertx.vertx();
    MutableClock clock = MutableClock.atSomeInstant();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisRateLimiter limiter =
        (RedisRateLimiter)
            RateLimiter.redis(
                vertx,
                RedisRateLimiterOptions.of(
                        "redis-cluster://127.0.0.1:" + PORTS.get(0) + ",127.0.0.1:" + PORTS.get(1))
                    // a fresh cluster client discovers slots on its first calls
                    .withCallTimeout(Duration.ofMillis(1000)),
                clock,
                registry);
    try {
      Await.result(limiter.warmUp());
      assertThat(limiter.liveInstances()).isEqualTo(1);
      RateLimitPolicy p = RateLimitPolicy.parse("3/s");
      // twenty tenants land on slots all over the three masters
      for (int t = 0; t < 20; t++) {
        int allowed = 0;
        for (int i = 0; i < 5; i++) {
          Decision d = Await.result(limiter.acquire("org:tenant" + t, p));
          assertThat(d.outcome()).isIn(Outcome.ALLOWED, Outcome.LIMITED);
          allowed += d.allowed() ? 1 : 0;
        }
        assertThat(allowed).as("tenant%d", t).isEqualTo(3);
      }
      clock.advance(Duration.ofSeconds(1));
      assertThat(Await.result(limiter.acquire("org:tenant7", p)).outcome())
          .isEqualTo(Outcome.ALLOWED);
      assertThat(registry.get("portcullis.ratelimit.backend.errors").counter().count()).isZero();
      int nodesWithBuckets = 0;
      for (int port : PORTS) {
        nodesWithBuckets += Long.parseLong(Resp.command(port, "DBSIZE")) > 0 ? 1 : 0;
      }
      assertThat(nodesWithBuckets).as("buckets spread over the masters").isGreaterThanOrEqualTo(2);
    } finally {
      Await.result(limiter.close());
      Await.result(vertx.close());
    }
  }
}

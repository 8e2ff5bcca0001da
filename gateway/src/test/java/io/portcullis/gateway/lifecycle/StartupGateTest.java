package io.portcullis.gateway.lifecycle;

import static io.portcullis.gateway.support.Http.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.Gateway;
import io.portcullis.gateway.health.ReadinessCheck;
import io.portcullis.gateway.support.TestGateways;
import io.portcullis.gateway.support.TestKeys;
import io.portcullis.testkit.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Startup is done only when every part is usable; else it fails naming the part and why. */
class StartupGateTest {
  Vertx vertx;
  TestKeys keys = new TestKeys("k1");

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  Gateway.Builder builder(Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("PORTCULLIS_UPSTREAM", "http://127.0.0.1:1");
    return Gateway.builder(TestGateways.config(null, keys, env)).vertx(vertx).instances(1);
  }

  /**
   * A dependency of the test's own; not named like a built-in check ("revocations" is the real
   * state service's, which the gateway wires itself).
   */
  static ReadinessCheck dependency(AtomicBoolean loaded) {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return "inventory";
      }

      @Override
      public Status status() {
        return loaded.get()
            ? Status.up("revision 1")
            : Status.down("initial inventory load not done: connection refused");
      }
    };
  }

  static Throwable failure(Future<?> f) {
    await(f.transform(ar -> Future.succeededFuture()));
    assertThat(f.failed()).as("failed").isTrue();
    return f.cause();
  }

  @Test
  void waitsForEveryPartAndReportsNotReadyMeanwhile() {
    AtomicBoolean loaded = new AtomicBoolean();
    Gateway g = await(builder(Map.of()).readinessCheck(dependency(loaded)).build().start());
    StartupGate gate = StartupGate.install(g);
    Future<Void> passed = gate.await(Duration.ofSeconds(20));

    JsonObject report = g.readiness().report();
    assertThat(report.getString("status")).isEqualTo("not_ready");
    assertThat(report.getJsonObject("checks").getJsonObject("startup").getString("status"))
        .isEqualTo("down");
    assertThat(passed.isComplete()).isFalse();

    loaded.set(true);
    await(passed);
    assertThat(g.readiness().report().getString("status")).isEqualTo("ready");
    await(g.stop());
  }

  /**
   * The default (no startup timeout): a dependency down at boot keeps the instance live and not
   * ready, however long, naming what it waits for; it becomes ready the moment the dependency is
   * back, with no restart (and no kubelet back-off) in between.
   */
  @Test
  void withoutATimeoutItWaitsLiveAndNotReadyUntilThePartIsBack() throws Exception {
    AtomicBoolean loaded = new AtomicBoolean();
    Gateway g = await(builder(Map.of()).readinessCheck(dependency(loaded)).build().start());
    Future<Void> passed = StartupGate.install(g).await(Duration.ZERO);
    Thread.sleep(1_500); // well past a tick and any small bound
    assertThat(passed.isComplete()).as("still waiting, not failed").isFalse();
    JsonObject startup = g.readiness().report().getJsonObject("checks").getJsonObject("startup");
    assertThat(startup.getString("detail")).contains("inventory").contains("connection refused");

    loaded.set(true);
    await(passed);
    assertThat(g.readiness().report().getString("status")).isEqualTo("ready");
    await(g.stop());
  }

  @Test
  void aPartNeverUsableFailsNamingItAndWhy() {
    Gateway g =
        await(builder(Map.of()).readinessCheck(dependency(new AtomicBoolean())).build().start());
    Throwable e = failure(StartupGate.install(g).await(Duration.ofMillis(500)));
    assertThat(e).isInstanceOf(StartupFailure.class);
    assertThat(((StartupFailure) e).component()).isEqualTo("inventory");
    assertThat(e.getMessage())
        .isEqualTo(
            "inventory: initial inventory load not done: connection refused; not usable within"
                + " 0s (PORTCULLIS_STARTUP_TIMEOUT)");
    await(g.stop());
  }

  @Test
  void underClosedARedisThatNeverAnswersFailsStartup() {
    int closed = Ports.free();
    Gateway g =
        await(
            builder(
                    Map.of(
                        "REDIS_URL",
                        "redis://:secret@127.0.0.1:" + closed,
                        "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE",
                        "closed"))
                .build()
                .start());
    Throwable e = failure(StartupGate.install(g).await(Duration.ofSeconds(2)));
    assertThat(((StartupFailure) e).component()).isEqualTo("redis");
    assertThat(e.getMessage())
        .startsWith("redis: unreachable at redis://:***@127.0.0.1:" + closed + " (")
        .containsIgnoringCase("refused")
        .doesNotContain("secret")
        .doesNotContain("\n");
    await(g.stop());
  }

  /**
   * Under local (the default) a Redis outage degrades limiting to each instance's share; it must
   * not stop a restarted or scaled-up instance from starting.
   */
  @Test
  void underLocalARedisThatNeverAnswersDoesNotStopStartup() {
    int closed = Ports.free();
    Gateway g =
        await(
            builder(
                    Map.of(
                        "REDIS_URL",
                        "redis://127.0.0.1:" + closed,
                        "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE",
                        "local"))
                .build()
                .start());
    await(StartupGate.install(g).await(Duration.ofSeconds(10)));
    assertThat(g.readiness().report().getString("status")).isEqualTo("ready");
    await(g.stop());
  }
}

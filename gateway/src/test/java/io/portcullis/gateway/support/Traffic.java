package io.portcullis.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Open-loop HTTP load for gateway ITs, on the test's own Vert.x: every tick, each {@link Flow}
 * sends its requests round-robin over the proxy ports, whatever the answers so far (a stalled
 * gateway cannot slow the load down and hide its stall). Each flow tallies statuses, per-port 200s
 * and latencies into its current {@link Tally}; {@link Flow#next()} starts a new phase. A request
 * belongs to the phase in which it was sent.
 *
 * <p>Bounded: the test stops it; every request has a timeout and counts as an error past it.
 */
public final class Traffic {
  private static final long REQUEST_TIMEOUT_MILLIS = 10_000;

  private final Vertx vertx;
  private final List<Integer> ports;
  private final WebClient client;
  private final List<Flow> flows = new ArrayList<>();
  private final LongAdder inFlight = new LongAdder();
  private long timer = -1;

  public Traffic(Vertx vertx, List<Integer> ports) {
    this.vertx = vertx;
    this.ports = List.copyOf(ports);
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions().setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(10_000));
  }

  /** A flow sending {@code perTick} requests with {@code token} to {@code path} each tick. */
  public Flow flow(String path, String token, int perTick) {
    Flow f = new Flow(path, token, perTick);
    flows.add(f);
    return f;
  }

  public void start(Duration tick) {
    timer = vertx.setPeriodic(tick.toMillis(), id -> flows.forEach(Flow::tick));
  }

  /** Stops sending and waits (bounded) for the requests in flight to finish. */
  public void stop() throws InterruptedException {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    long deadline = System.nanoTime() + Duration.ofMillis(REQUEST_TIMEOUT_MILLIS + 2_000).toNanos();
    while (inFlight.sum() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  public void close() {
    client.close();
  }

  /** One stream of identical requests. */
  public final class Flow {
    private final String path;
    private final String token;
    private final int perTick;
    private final AtomicReference<Tally> current = new AtomicReference<>(new Tally());
    private int next;

    private Flow(String path, String token, int perTick) {
      this.path = path;
      this.token = token;
      this.perTick = perTick;
    }

    /** The tally of the phase so far (still filling while requests are in flight). */
    public Tally current() {
      return current.get();
    }

    /** Ends the current phase and returns it; later requests go to a new tally. */
    public Tally next() {
      return current.getAndSet(new Tally());
    }

    private void tick() {
      for (int i = 0; i < perTick; i++) {
        int port = ports.get(next++ % ports.size());
        send(port);
      }
    }

    private void send(int port) {
      Tally t = current.get();
      long start = System.nanoTime();
      t.sent(start);
      inFlight.increment();
      client
          .get(port, "127.0.0.1", path)
          .putHeader("Authorization", "Bearer " + token)
          .timeout(REQUEST_TIMEOUT_MILLIS)
          .send()
          .onComplete(
              ar -> {
                inFlight.decrement();
                long took = System.nanoTime() - start;
                if (ar.succeeded()) {
                  t.answered(port, ar.result(), took);
                } else {
                  t.errors.increment();
                  t.lastError.set(ar.cause().toString());
                }
              });
    }
  }

  /** What one phase of one flow saw. Thread-safe. */
  public static final class Tally {
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> okPerPort = new ConcurrentHashMap<>();
    private final AtomicLong maxNanos = new AtomicLong();
    private final AtomicLong firstSend = new AtomicLong();
    private final AtomicLong lastSend = new AtomicLong();
    private final LongAdder sent = new LongAdder();
    public final LongAdder errors = new LongAdder();
    public final AtomicReference<String> lastError = new AtomicReference<>();

    /** The first answer that was neither 200 nor 429, for assertions on its headers and body. */
    public final AtomicReference<HttpResponse<Buffer>> firstOther = new AtomicReference<>();

    private void sent(long now) {
      sent.increment();
      firstSend.compareAndSet(0, now);
      lastSend.accumulateAndGet(now, Math::max);
    }

    private void answered(int port, HttpResponse<Buffer> r, long nanos) {
      statuses.computeIfAbsent(r.statusCode(), s -> new LongAdder()).increment();
      if (r.statusCode() == 200) {
        okPerPort.computeIfAbsent(port, p -> new LongAdder()).increment();
      } else if (r.statusCode() != 429) {
        firstOther.compareAndSet(null, r);
      }
      maxNanos.accumulateAndGet(nanos, Math::max);
    }

    public long count(int status) {
      LongAdder a = statuses.get(status);
      return a == null ? 0 : a.sum();
    }

    /** Status → count, sorted. */
    public Map<Integer, Long> statuses() {
      Map<Integer, Long> out = new TreeMap<>();
      statuses.forEach((s, n) -> out.put(s, n.sum()));
      return out;
    }

    public long okOn(int port) {
      LongAdder a = okPerPort.get(port);
      return a == null ? 0 : a.sum();
    }

    public long sent() {
      return sent.sum();
    }

    public long answered() {
      return statuses.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long maxLatencyMillis() {
      return maxNanos.get() / 1_000_000;
    }

    /** Seconds from the first to the last request sent in this phase. */
    public double sendingSeconds() {
      return (lastSend.get() - firstSend.get()) / 1e9;
    }

    @Override
    public String toString() {
      return "sent="
          + sent()
          + " statuses="
          + statuses()
          + " errors="
          + errors.sum()
          + " max_latency_ms="
          + maxLatencyMillis();
    }
  }
}

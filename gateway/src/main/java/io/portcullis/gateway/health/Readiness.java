package io.portcullis.gateway.health;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code /readyz}: ready only when every {@link ReadinessCheck} passes and the instance is not
 * draining. Checks read state kept fresh in the background, so a probe never waits on I/O.
 */
public final class Readiness {
  private final List<ReadinessCheck> checks = new CopyOnWriteArrayList<>();
  private final AtomicBoolean draining = new AtomicBoolean();

  /**
   * Adds a part of {@code /readyz}. Names are the keys of the report, so a second check of the same
   * name would hide the first from operators: refused.
   */
  public synchronized void add(ReadinessCheck check) {
    String name = check.name();
    if ("draining".equals(name) || checks.stream().anyMatch(c -> c.name().equals(name))) {
      throw new IllegalArgumentException("a readiness check named '" + name + "' exists already");
    }
    checks.add(check);
  }

  /** After SIGTERM: report not ready so the load balancer stops sending, while still serving. */
  public void startDraining() {
    draining.set(true);
  }

  public boolean draining() {
    return draining.get();
  }

  /** The body of {@code /readyz}: {@code {"status": "ready" | "not_ready", "checks": {...}}}. */
  public JsonObject report() {
    JsonObject details = new JsonObject();
    boolean ready = true;
    for (ReadinessCheck check : checks) {
      ReadinessCheck.Status s;
      try {
        s = check.status();
      } catch (RuntimeException e) {
        s = ReadinessCheck.Status.down("check failed: " + e.getClass().getSimpleName());
      }
      ready &= s.ready();
      details.put(
          check.name(),
          new JsonObject().put("status", s.ready() ? "up" : "down").put("detail", s.detail()));
    }
    boolean drain = draining.get();
    details.put(
        "draining",
        new JsonObject()
            .put("status", drain ? "down" : "up")
            .put("detail", drain ? "shutting down" : "serving"));
    ready &= !drain;
    return new JsonObject().put("status", ready ? "ready" : "not_ready").put("checks", details);
  }
}

package io.portcullis.keyset.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keyset's meters (SPEC §7; the Prometheus names are a contract, and the alert rules in
 * k8s/monitoring query them): {@code portcullis_keyset_keys{source,state}}, {@code
 * portcullis_keyset_refresh_total{source,result}} with {@code result} exactly {@value
 * #RESULT_SUCCESS} or {@value #RESULT_FAILURE}, {@code
 * portcullis_keyset_last_success_timestamp_seconds{source}}, and, only when {@code
 * JWT_KEY_ID_CURRENT} is set, {@code portcullis_keyset_current_kid_present} (1 when that kid is in
 * the keyset, else 0; the runbook's "current signing key missing" alert). Labels carry source names
 * only, never a key or token.
 */
public final class KeySetMetrics {
  /** The {@code result} label of a refresh that loaded or confirmed the source's keys. */
  public static final String RESULT_SUCCESS = "success";

  /** The {@code result} label of a refresh that could not read the source. */
  public static final String RESULT_FAILURE = "failure";

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  /**
   * @param currentKid {@code JWT_KEY_ID_CURRENT}, or {@code null}: then no current-kid gauge is
   *     registered (an absent series, not a 0, so the alert does not fire for an unset kid)
   */
  public KeySetMetrics(
      MeterRegistry registry,
      KeyCache cache,
      Clock clock,
      Duration maxStaleness,
      String currentKid) {
    this.registry = registry;
    if (currentKid != null) {
      Gauge.builder(
              "portcullis.keyset.current.kid.present", cache, c -> c.contains(currentKid) ? 1 : 0)
          .description("1 when JWT_KEY_ID_CURRENT is in the keyset, 0 when it is missing")
          .strongReference(true)
          .register(registry);
    }
    for (SourceState source : cache.sources()) {
      Gauge.builder(
              "portcullis.keyset.keys",
              source,
              s -> s.stale(clock.instant(), maxStaleness) ? 0 : cache.contributedBy(s))
          .description("Keys per source and state (active or stale)")
          .tags("source", source.name(), "state", "active")
          .strongReference(true)
          .register(registry);
      Gauge.builder(
              "portcullis.keyset.keys",
              source,
              s -> s.stale(clock.instant(), maxStaleness) ? cache.contributedBy(s) : 0)
          .description("Keys per source and state (active or stale)")
          .tags("source", source.name(), "state", "stale")
          .strongReference(true)
          .register(registry);
      // A static source (JWT_PUBLIC_KEYS_PEM, HMAC keys) is configuration held in memory: it is
      // current at every scrape. Reporting its load time instead would make it look older and
      // older, and the PortcullisKeysStale alert (time() - this > 5 h) would page 5 h after every
      // start for keys that can never go stale.
      Gauge.builder(
              "portcullis.keyset.last.success.timestamp",
              source,
              s ->
                  !s.canGoStale()
                      ? clock.millis() / 1000.0
                      : s.lastSuccess() == null
                          ? Double.NaN
                          : s.lastSuccess().toEpochMilli() / 1000.0)
          .description("When the source last loaded successfully, Unix seconds")
          .baseUnit("seconds")
          .tags("source", source.name())
          .strongReference(true)
          .register(registry);
      counter(source.name(), RESULT_SUCCESS);
      counter(source.name(), RESULT_FAILURE);
    }
  }

  /**
   * Counts one refresh of {@code source}: {@value #RESULT_SUCCESS} or {@value #RESULT_FAILURE}. A
   * check that found the source readable and unchanged is a success too: the alert on failures
   * without successes must clear once the source reads again.
   */
  public void refreshed(String source, boolean success) {
    counter(source, success ? RESULT_SUCCESS : RESULT_FAILURE).increment();
  }

  private Counter counter(String source, String result) {
    return counters.computeIfAbsent(
        source + '\n' + result,
        k ->
            Counter.builder("portcullis.keyset.refresh")
                .description("Key source refreshes by result")
                .tags("source", source, "result", result)
                .register(registry));
  }
}

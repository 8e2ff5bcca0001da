package io.portcullis.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portcullis.keyset.ValidationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The request-path metrics of SPEC §7. Label values are bounded: {@code route} is a configured
 * route path (or {@code none} when nothing matched), {@code code} an {@code ErrorCode} wire code or
 * {@code ok} / {@code upstream_4xx} / {@code upstream_5xx} for forwarded requests, {@code result} a
 * {@link ValidationResult} label. Thread-safe: Micrometer meters are.
 */
public final class GatewayMetrics {
  private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
  private static final Duration MAX_EXPECTED = Duration.ofSeconds(60);

  private final MeterRegistry registry;

  /**
   * The {@code result} values past validation (step 5): on-call classifies a 401 spike as invalid
   * vs expired vs revoked vs org_suspended from this one metric, so revocation outcomes live beside
   * the validation ones.
   */
  public static final List<String> REVOCATION_RESULTS =
      List.of("token_revoked", "key_revoked", "org_suspended", "auth_unavailable");

  private final Map<String, Counter> authResults;

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    Map<String, Counter> counters = new HashMap<>();
    List<String> labels = new ArrayList<>();
    for (ValidationResult r : ValidationResult.values()) {
      labels.add(r.label());
    }
    labels.addAll(REVOCATION_RESULTS);
    for (String label : labels) {
      counters.put(
          label,
          Counter.builder("portcullis.auth.results")
              .description("Final authentication outcome of each request carrying a token")
              .tag("result", label)
              .register(registry));
    }
    this.authResults = Map.copyOf(counters);
  }

  /** A validation rejection (step 4). A valid token is counted by its revocation verdict. */
  public void authResult(ValidationResult result) {
    authResults.get(result.label()).increment();
  }

  /** The final outcome of a valid token: {@code ok} or one of {@link #REVOCATION_RESULTS}. */
  public void authResult(String label) {
    Counter counter = authResults.get(label);
    if (counter == null) {
      throw new IllegalArgumentException("not an auth result label: " + label);
    }
    counter.increment();
  }

  /** One finished request. */
  public void request(String route, String code, long durationNanos) {
    requests.computeIfAbsent(new RouteCode(route, code), this::requestCounter).increment();
    requestDurations
        .computeIfAbsent(route, r -> timer("portcullis.request.duration", REQUEST_DESC, r))
        .record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** Time from sending the upstream request to its response head. */
  public void upstream(String route, long nanos) {
    upstreamDurations
        .computeIfAbsent(route, r -> timer("portcullis.upstream.duration", UPSTREAM_DESC, r))
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  // Meters are resolved once per label set, not per request: Micrometer's builder-and-register
  // allocates an id and looks it up in the registry every time, on the hot path. The label sets
  // are bounded (configured routes x error codes), so these maps are too.
  private record RouteCode(String route, String code) {}

  private static final String REQUEST_DESC =
      "Time from request start to response end on the proxy listener";
  private static final String UPSTREAM_DESC = "Time to the upstream's response head";

  private final Map<RouteCode, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Timer> requestDurations = new ConcurrentHashMap<>();
  private final Map<String, Timer> upstreamDurations = new ConcurrentHashMap<>();

  private Counter requestCounter(RouteCode key) {
    return Counter.builder("portcullis.requests")
        .description("Requests on the proxy listener by route and outcome code")
        .tag("route", key.route())
        .tag("code", key.code())
        .register(registry);
  }

  private Timer timer(String name, String description, String route) {
    return Timer.builder(name)
        .description(description)
        .tag("route", route)
        .publishPercentileHistogram()
        .minimumExpectedValue(MIN_EXPECTED)
        .maximumExpectedValue(MAX_EXPECTED)
        .register(registry);
  }
}

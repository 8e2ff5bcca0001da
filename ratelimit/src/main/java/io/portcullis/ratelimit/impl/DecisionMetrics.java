package io.portcullis.ratelimit.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.ratelimit.Decision;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@code portcullis_ratelimit_decisions_total{policy,decision}} and {@code
 * portcullis_ratelimit_backend_errors_total}. Counters are looked up once per (policy label,
 * outcome) and cached: no meter builder on the request path. Labels are the fixed policy labels and
 * {@link Decision.Outcome#label()}: never a tenant value.
 */
final class DecisionMetrics {
  static final String DECISIONS = "portcullis.ratelimit.decisions";
  static final String BACKEND_ERRORS = "portcullis.ratelimit.backend.errors";

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter[]> decisions = new ConcurrentHashMap<>();
  private final Counter backendErrors;

  DecisionMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.backendErrors =
        Counter.builder(BACKEND_ERRORS)
            .description("Rate-limit backend calls that failed or timed out")
            .register(registry);
  }

  void record(String policyLabel, Decision decision) {
    Counter[] byOutcome =
        decisions.computeIfAbsent(policyLabel, l -> new Counter[Decision.Outcome.values().length]);
    int i = decision.outcome().ordinal();
    Counter c = byOutcome[i];
    if (c == null) {
      c =
          Counter.builder(DECISIONS)
              .description("Rate-limit decisions by policy source and outcome")
              .tag("policy", policyLabel)
              .tag("decision", decision.outcome().label())
              .register(registry);
      byOutcome[i] = c; // benign race: register() returns the same counter
    }
    c.increment();
  }

  void backendError() {
    backendErrors.increment();
  }

  MeterRegistry registry() {
    return registry;
  }
}

package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The metric names are part of the operator contract (SPEC §7): assert them as scraped. */
class MetricNamesTest {

  @Test
  void prometheusSeesTheContractNames() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RateLimiter limiter =
        RateLimiter.inProcess(
            RateLimiterOptions.defaults(), MutableClock.atSomeInstant(), registry);
    RateLimitPolicy p = RateLimitPolicy.parse("1/s");
    ResolvedLimit limit = new ResolvedLimit("org:acme", p, RateLimitPolicies.LABEL_OVERRIDE_ORG);
    Await.result(limiter.acquire(limit));
    Await.result(limiter.acquire(limit));
    String scrape = registry.scrape();
    assertThat(scrape)
        .contains(
            "portcullis_ratelimit_decisions_total{decision=\"allowed\",policy=\"override_org\"} 1.0")
        .contains(
            "portcullis_ratelimit_decisions_total{decision=\"limited\",policy=\"override_org\"} 1.0")
        .contains("portcullis_ratelimit_backend_errors_total 0.0")
        .doesNotContain("acme");
  }
}

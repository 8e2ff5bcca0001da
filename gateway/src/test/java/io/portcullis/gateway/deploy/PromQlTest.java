package io.portcullis.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PromQL reader that AlertRulesTest and DashboardTest rely on. */
class PromQlTest {

  @Test
  void findsMetricNamesButNotFunctionsKeywordsLabelsOrVariables() {
    String expr =
        "sum by (namespace, le) (rate(portcullis_request_duration_seconds_bucket{namespace=\"$namespace\","
            + " route=~\"/a|/b\"}[$__rate_interval])) / on (namespace) group_left"
            + " portcullis:requests:rate5m > 0.1 and time() - up offset 5m unless"
            + " histogram_quantile(0.99, x_total[1d:5m]) > 2e3";
    assertThat(PromQl.metricNames(expr))
        .containsExactlyInAnyOrder(
            "portcullis_request_duration_seconds_bucket",
            "portcullis:requests:rate5m",
            "up",
            "x_total");
  }

  @Test
  void readsLabelMatchersWithTheirMetric() {
    assertThat(PromQl.matchers("rate(a_total{code=~\"x|y\", route!=\"/\"}[5m]) + b{c=\"d\"}"))
        .containsExactly(
            new PromQl.Matcher("a_total", "code", "=~", "x|y"),
            new PromQl.Matcher("a_total", "route", "!=", "/"),
            new PromQl.Matcher("b", "c", "=", "d"));
  }

  @Test
  void reportsUnknownMetricsAndLabelValues() {
    assertThat(
            PromQl.contractViolations(
                "rate(portcullis_auth_results_total{result=~\"expired|expierd\"}[5m])"
                    + " + portcullis_requests_total{code=\"token_expired\"}"
                    + " + portcullis_request_total + portcullis:x:rate5m",
                Set.of("portcullis:x:rate5m")))
        .containsExactlyInAnyOrder(
            "unknown metric portcullis_request_total",
            "portcullis_auth_results_total{result} has no value \"expierd\"");
    assertThat(
            PromQl.contractViolations(
                "portcullis_ratelimit_decisions_total{decision=\"failed_closed\"}"
                    + " + portcullis_revocation_propagation_seconds_bucket"
                    + " + portcullis_keyset_refresh_total{result=\"failure\"}",
                Set.of()))
        .isEmpty();
  }
}

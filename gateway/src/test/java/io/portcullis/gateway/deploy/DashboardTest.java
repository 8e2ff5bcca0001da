package io.portcullis.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard is valid JSON and queries only contract metrics, all of SPEC §7. */
class DashboardTest {
  private static final String DASHBOARD = "k8s/monitoring/grafana-dashboard.json";

  private static JsonNode dashboard() throws Exception {
    return JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .build()
        .readTree(RepoFiles.read(DASHBOARD));
  }

  /** Every PromQL string in the dashboard: panel targets and templating queries. */
  private static List<String> queries(JsonNode d) {
    List<String> out = new ArrayList<>();
    for (JsonNode p : d.path("panels")) {
      p.path("targets").forEach(t -> out.add(t.path("expr").asText()));
    }
    for (JsonNode v : d.path("templating").path("list")) {
      if ("query".equals(v.path("type").asText())) {
        out.add(
            v.path("query")
                .path("query")
                .asText()
                .replaceAll("^label_values\\((.*),[^,]*\\)$", "$1"));
      }
    }
    return out;
  }

  @Test
  void isAGrafanaDashboardWithUniquePanelsThatAllQuery() throws Exception {
    JsonNode d = dashboard();
    assertThat(d.path("title").asText()).isNotBlank();
    assertThat(d.path("uid").asText()).isNotBlank();
    Set<Integer> ids = new HashSet<>();
    int queried = 0;
    for (JsonNode p : d.path("panels")) {
      assertThat(ids.add(p.path("id").asInt())).as("panel id %s unique", p.path("id")).isTrue();
      assertThat(p.path("gridPos").path("w").asInt()).isPositive();
      if ("row".equals(p.path("type").asText())) {
        continue;
      }
      assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
      assertThat(p.path("targets")).as("panel %s queries", p.path("title")).isNotEmpty();
      for (JsonNode t : p.path("targets")) {
        String expr = t.path("expr").asText();
        assertThat(expr)
            .as("panel %s scoped to $namespace", p.path("title"))
            .contains("namespace=\"$namespace\"");
        queried++;
      }
    }
    assertThat(queried).isGreaterThanOrEqualTo(20);
  }

  @Test
  void queriesOnlyContractMetricsAndLabelValues() throws Exception {
    for (String q : queries(dashboard())) {
      assertThat(PromQl.contractViolations(q, Set.of())).as(q).isEmpty();
    }
  }

  @Test
  void showsEverySpecMetricAndTheAddedGauges() throws Exception {
    Set<String> families = new HashSet<>();
    for (String q : queries(dashboard())) {
      PromQl.metricNames(q).forEach(n -> families.add(MonitoringContract.family(n)));
    }
    assertThat(families).containsAll(MonitoringContract.SPEC_METRICS);
    assertThat(families).containsAll(MonitoringContract.ADDED_METRICS);
    assertThat(families).contains("kube_pod_status_ready", "up");
  }
}

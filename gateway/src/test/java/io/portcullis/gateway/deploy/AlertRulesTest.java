package io.portcullis.gateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.portcullis.gateway.config.Defaults;
import io.portcullis.keyset.impl.KeySetMetrics;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules in k8s/monitoring: promtool checks them and runs their unit tests (every alert
 * tested firing and not firing), the PrometheusRule carries exactly the same groups, every alert
 * has a severity, a summary, a description and a runbook link to a RUNBOOK.md section that exists,
 * and the rules use only contract metrics and label values.
 *
 * <p>promtool is required, never skipped: .ci/run installs Debian's {@code prometheus} package when
 * it is missing.
 */
class AlertRulesTest {
  private static final String RULES = "k8s/monitoring/rules/portcullis.rules.yaml";
  private static final String PROMETHEUS_RULE = "k8s/monitoring/portcullis-alerts.yaml";
  private static final String TESTS = "k8s/monitoring/tests";
  static final String RUNBOOK_URL =
      "https://github.com/portcullis/portcullis/blob/main/RUNBOOK.md#";

  record Rule(String group, String alert, String record, String expr, JsonNode node) {}

  static List<Rule> rules() {
    List<Rule> out = new ArrayList<>();
    for (JsonNode g : StrictYaml.tree(RepoFiles.path(RULES)).path("groups")) {
      for (JsonNode r : g.path("rules")) {
        out.add(
            new Rule(
                g.path("name").asText(),
                r.hasNonNull("alert") ? r.get("alert").asText() : null,
                r.hasNonNull("record") ? r.get("record").asText() : null,
                r.path("expr").asText(),
                r));
      }
    }
    return out;
  }

  // --- promtool ----------------------------------------------------------------------------

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    Result r = promtool("check", "rules", RepoFiles.path(RULES).toString());
    assertThat(r.exit()).as("promtool check rules:\n%s", r.output()).isZero();
  }

  @Test
  void promtoolUnitTestsPass() throws Exception {
    List<String> args = new ArrayList<>(List.of("test", "rules"));
    List<Path> files = RepoFiles.list(TESTS, ".yaml");
    assertThat(files).isNotEmpty();
    files.forEach(f -> args.add(f.toString()));
    Result r = promtool(args.toArray(String[]::new));
    assertThat(r.exit()).as("promtool test rules:\n%s", r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
  }

  /** The harness itself: a wrong expectation must make promtool (and so this test) fail. */
  @Test
  void promtoolReportsAWrongExpectation(@TempDir Path dir) throws Exception {
    String test =
        String.join(
            "\n",
            "rule_files:",
            "  - " + RepoFiles.path(RULES),
            "evaluation_interval: 1m",
            "tests:",
            "  - interval: 1m",
            "    input_series:",
            "      - series: 'portcullis_keyset_current_kid_present{namespace=\"n\", pod=\"p\"}'",
            "        values: '1x10'",
            "    alert_rule_test:",
            "      - eval_time: 5m",
            "        alertname: PortcullisCurrentKidMissing",
            "        exp_alerts:",
            "          - exp_labels: {severity: critical, namespace: n, pod: p}",
            "");
    Path file = dir.resolve("wrong.test.yaml");
    Files.writeString(file, test);
    Result r = promtool("test", "rules", file.toString());
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(r.output()).contains("FAILED");
  }

  @Test
  void everyAlertIsTestedFiringAndNotFiring() {
    Map<String, Boolean> firing = new LinkedHashMap<>();
    Set<String> silent = new HashSet<>();
    for (Path f : RepoFiles.list(TESTS, ".yaml")) {
      JsonNode doc = StrictYaml.tree(f);
      assertThat(doc.path("rule_files").toString())
          .as(f.toString())
          .contains("portcullis.rules.yaml");
      for (JsonNode t : doc.path("tests")) {
        for (JsonNode a : t.path("alert_rule_test")) {
          String name = a.path("alertname").asText();
          if (a.path("exp_alerts").size() > 0) {
            firing.put(name, true);
          } else {
            silent.add(name);
          }
        }
      }
    }
    for (Rule r : rules()) {
      if (r.alert() != null) {
        assertThat(firing).as("a promtool test where %s fires", r.alert()).containsKey(r.alert());
        assertThat(silent)
            .as("a promtool test where %s stays silent", r.alert())
            .contains(r.alert());
      }
    }
  }

  private record Result(int exit, String output) {}

  private static Result promtool(String... args) throws IOException, InterruptedException {
    Path bin = findOnPath("promtool");
    if (bin == null) {
      fail(
          "promtool is not on the PATH. The alert-rule tests need it: install Debian's"
              + " 'prometheus' package (apt-get install -y prometheus) or put Prometheus'"
              + " promtool on the PATH. .ci/run installs it when missing.");
    }
    List<String> cmd = new ArrayList<>(List.of(bin.toString()));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .directory(RepoFiles.root().toFile())
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("promtool did not finish within 120 s: " + cmd);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static Path findOnPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .filter(d -> !d.isEmpty())
        .map(d -> Path.of(d, name))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }

  // --- the PrometheusRule and the plain file --------------------------------------------

  @Test
  void prometheusRuleCarriesExactlyThePlainRuleGroups() {
    JsonNode wrapper = StrictYaml.tree(RepoFiles.path(PROMETHEUS_RULE));
    PrometheusRule typed = StrictYaml.typed(wrapper, PrometheusRule.class, PROMETHEUS_RULE);
    assertThat(typed.getSpec().getGroups()).isNotEmpty();
    JsonNode plain = StrictYaml.tree(RepoFiles.path(RULES));
    assertThat(plain.size()).as("the plain file holds only groups").isEqualTo(1);
    assertThat(wrapper.path("spec").path("groups"))
        .as(
            "%s differs from %s: run k8s/monitoring/generate-prometheusrule.sh",
            PROMETHEUS_RULE, RULES)
        .isEqualTo(plain.path("groups"));
  }

  // --- what on-call reads ----------------------------------------------------------------

  @Test
  void everyAlertHasSeverityTextAndARunbookSectionThatExists() {
    Set<String> anchors = runbookAnchors();
    int alerts = 0;
    for (Rule r : rules()) {
      if (r.alert() == null) {
        continue;
      }
      alerts++;
      JsonNode labels = r.node().path("labels");
      JsonNode ann = r.node().path("annotations");
      assertThat(labels.path("severity").asText()).as(r.alert()).isIn("warning", "critical");
      assertThat(ann.path("summary").asText()).as("%s summary", r.alert()).isNotBlank();
      assertThat(ann.path("description").asText())
          .as("%s description", r.alert())
          .hasSizeGreaterThan(40);
      String url = ann.path("runbook_url").asText();
      assertThat(url).as("%s runbook_url", r.alert()).startsWith(RUNBOOK_URL);
      assertThat(anchors)
          .as("%s links to a RUNBOOK.md section", r.alert())
          .contains(url.substring(RUNBOOK_URL.length()));
    }
    assertThat(alerts).isGreaterThanOrEqualTo(15);
  }

  @Test
  void theAuthFailureAlertCarriesTheResultClassOnCallTriagesBy() {
    Set<String> classes = new HashSet<>();
    for (Rule r : rules()) {
      if ("portcullis:auth_failures:rate5m".equals(r.record())) {
        classes.add(r.node().path("labels").path("class").asText());
      }
    }
    assertThat(classes).containsExactlyInAnyOrder("invalid", "expired", "revoked", "org_suspended");
    Rule spike =
        rules().stream()
            .filter(r -> "PortcullisAuthFailuresSpike".equals(r.alert()))
            .findFirst()
            .orElseThrow();
    assertThat(spike.expr()).contains("portcullis:auth_failures:rate5m");
    assertThat(spike.node().path("annotations").path("summary").asText())
        .contains("{{ $labels.class }}");

    // Every failing validation and revocation result is in exactly one class, or alerts on its own.
    Set<String> classified = new HashSet<>();
    for (Rule r : rules()) {
      if ("portcullis:auth_failures:rate5m".equals(r.record())) {
        for (PromQl.Matcher m : PromQl.matchers(r.expr())) {
          for (String v : m.value().split("\\|")) {
            assertThat(classified.add(v)).as("%s in two classes", v).isTrue();
          }
        }
      }
    }
    Set<String> expected = new HashSet<>(MonitoringContract.AUTH_RESULTS);
    expected.removeAll(Set.of("ok", "unknown_kid", "no_keys")); // own alerts: rotation, 503
    assertThat(classified).isEqualTo(expected);
  }

  @Test
  void rulesUseOnlyContractMetricsAndLabelValues() {
    Set<String> recorded = new HashSet<>();
    for (Rule r : rules()) {
      List<String> problems = PromQl.contractViolations(r.expr(), recorded);
      assertThat(problems).as("%s", r.alert() != null ? r.alert() : r.record()).isEmpty();
      if (r.record() != null) {
        recorded.add(r.record()); // usable by later rules only, as Prometheus evaluates them
      }
    }
  }

  /**
   * The refresh alert fires on failures without successes: it must match the exact result values
   * the keyset counts, or it never fires (a typo in "failure") or never clears ("success").
   */
  @Test
  void theKeyRefreshAlertMatchesTheKeysetsResultValues() {
    Rule r =
        rules().stream()
            .filter(x -> "PortcullisKeyRefreshFailing".equals(x.alert()))
            .findFirst()
            .orElseThrow();
    Set<String> results = new HashSet<>();
    for (PromQl.Matcher m : PromQl.matchers(r.expr())) {
      if (m.metric().equals("portcullis_keyset_refresh_total") && m.label().equals("result")) {
        assertThat(m.op()).isEqualTo("=");
        results.add(m.value());
      }
    }
    assertThat(results)
        .containsExactlyInAnyOrder(KeySetMetrics.RESULT_SUCCESS, KeySetMetrics.RESULT_FAILURE);
  }

  @Test
  void thresholdsFollowTheGatewayDefaults() {
    // Keys: page before readiness fails on staleness, never within a normal refresh cycle.
    assertThat(threshold("PortcullisKeysStale"))
        .isLessThan(Defaults.KEYS_MAX_STALENESS.toSeconds())
        .isGreaterThan(Defaults.JWKS_REFRESH_INTERVAL.toSeconds());
    // Revocation catch-up: the alert fires at the bound readiness uses.
    assertThat(threshold("PortcullisRevocationSyncStale"))
        .isEqualTo(Defaults.REVOCATION_MAX_STALENESS.toSeconds());
    // Propagation: slower than the store catch-up means both paths lag.
    assertThat(threshold("PortcullisRevocationPropagationSlow"))
        .isGreaterThan(Defaults.REVOCATION_SYNC_INTERVAL.toSeconds());
  }

  /** The number after the last {@code >} of an alert's expression. */
  private static double threshold(String alert) {
    String expr =
        rules().stream()
            .filter(r -> alert.equals(r.alert()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no alert " + alert))
            .expr();
    Matcher m = Pattern.compile(">\\s*([0-9.]+)\\s*$").matcher(expr.trim());
    assertThat(m.find()).as("%s ends in a threshold: %s", alert, expr).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
  static Set<String> runbookAnchors() {
    Set<String> anchors = new HashSet<>();
    Matcher m = Pattern.compile("(?m)^#{1,6}\\s+(.+?)\\s*$").matcher(RepoFiles.read("RUNBOOK.md"));
    while (m.find()) {
      anchors.add(
          m.group(1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    return anchors;
  }
}

package io.portcullis.gateway.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the metric names and label matchers out of a PromQL expression: enough to check that rules
 * and dashboards query only contract metrics and label values. Not a parser; it knows the operators
 * and modifiers PromQL has, and treats every other bare identifier not followed by "(" as a metric
 * name.
 */
final class PromQl {
  private PromQl() {}

  /** A label matcher on a selector, e.g. {@code result=~"a|b"}. */
  record Matcher(String metric, String label, String op, String value) {}

  private static final Set<String> KEYWORDS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "count",
          "group",
          "stddev",
          "stdvar",
          "topk",
          "bottomk",
          "quantile",
          "count_values",
          "limitk",
          "limit_ratio",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "bool",
          "offset",
          "atan2",
          "inf",
          "nan");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'|`[^`]*`");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern SELECTOR =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^}]*)\\}");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  /** Metric names the expression selects. */
  static Set<String> metricNames(String expr) {
    String s = SELECTOR.matcher(expr).replaceAll(m -> m.group(1) == null ? " " : m.group(1) + " ");
    s = STRING.matcher(s).replaceAll(" ");
    s = GROUPING.matcher(s).replaceAll(" ");
    s = s.replaceAll("\\[[^\\]]*\\]", " "); // ranges and subqueries: [5m], [$__rate_interval]
    s = s.replaceAll("\\boffset\\s+\\S+", " ");
    s = s.replaceAll("\\$[a-zA-Z_]+", " "); // Grafana variables outside selectors
    Set<String> names = new LinkedHashSet<>();
    java.util.regex.Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < s.length() && Character.isWhitespace(s.charAt(after))) {
        after++;
      }
      boolean call = after < s.length() && s.charAt(after) == '(';
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!call && !number && !KEYWORDS.contains(id)) {
        names.add(id);
      }
    }
    return names;
  }

  /** Every label matcher inside a selector, with the selector's metric name (or null). */
  static List<Matcher> matchers(String expr) {
    List<Matcher> out = new ArrayList<>();
    java.util.regex.Matcher sel = SELECTOR.matcher(expr);
    while (sel.find()) {
      java.util.regex.Matcher m = MATCHER.matcher(sel.group(2));
      while (m.find()) {
        out.add(new Matcher(sel.group(1), m.group(1), m.group(2), m.group(3)));
      }
    }
    return out;
  }

  /**
   * Problems with the metrics and label values an expression uses; empty when it keeps to the
   * contract. {@code recorded} names recording rules the expression may also use.
   */
  static List<String> contractViolations(String expr, Set<String> recorded) {
    List<String> problems = new ArrayList<>();
    for (String name : metricNames(expr)) {
      if (!MonitoringContract.known(name) && !recorded.contains(name)) {
        problems.add("unknown metric " + name);
      }
    }
    for (Matcher m : matchers(expr)) {
      if (m.metric() == null || !(m.op().equals("=") || m.op().equals("=~"))) {
        continue;
      }
      var allowed =
          MonitoringContract.LABEL_VALUES
              .getOrDefault(MonitoringContract.family(m.metric()), java.util.Map.of())
              .get(m.label());
      if (allowed == null) {
        continue;
      }
      for (String v : m.value().split("\\|")) {
        if (!allowed.contains(v)) {
          problems.add(m.metric() + "{" + m.label() + "} has no value \"" + v + "\"");
        }
      }
    }
    return problems;
  }
}

package io.portcullis.gateway.deploy;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.keyset.ValidationResult;
import io.portcullis.keyset.impl.KeySetMetrics;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The metric names and label values the alert rules and the dashboard may use: SPEC §7, the gateway
 * gauges added for the runbooks, and the two series Kubernetes monitoring provides. Label values
 * come from the gateway's own enums where it has them.
 */
final class MonitoringContract {
  private MonitoringContract() {}

  /** SPEC §7, verbatim. Histograms are listed by base name. */
  static final Set<String> SPEC_METRICS =
      Set.of(
          "portcullis_requests_total",
          "portcullis_request_duration_seconds",
          "portcullis_upstream_duration_seconds",
          "portcullis_auth_results_total",
          "portcullis_auth_validate_duration_seconds",
          "portcullis_token_cache_requests_total",
          "portcullis_ratelimit_decisions_total",
          "portcullis_ratelimit_backend_errors_total",
          "portcullis_keyset_keys",
          "portcullis_keyset_refresh_total",
          "portcullis_keyset_last_success_timestamp_seconds",
          "portcullis_revocations_active",
          "portcullis_revocation_propagation_seconds");

  /**
   * Not in SPEC §7; the gateway must export them (see k8s/README.md "Metrics the rules need").
   *
   * <ul>
   *   <li>{@code portcullis_keyset_current_kid_present}: gauge, 1 when JWT_KEY_ID_CURRENT is in the
   *       keyset, 0 when it is set and missing; absent when JWT_KEY_ID_CURRENT is unset.
   *   <li>{@code portcullis_keyset_current_kid_revoked}: gauge, 1 when JWT_KEY_ID_CURRENT has been
   *       revoked through the admin API; absent when JWT_KEY_ID_CURRENT is unset.
   *   <li>{@code portcullis_revocation_last_sync_timestamp_seconds}: gauge, Unix time of the last
   *       successful catch-up of the revocation snapshot from the store.
   * </ul>
   */
  static final Set<String> ADDED_METRICS =
      Set.of(
          "portcullis_keyset_current_kid_present",
          "portcullis_keyset_current_kid_revoked",
          "portcullis_revocation_last_sync_timestamp_seconds");

  /** Series from Prometheus itself and kube-state-metrics. */
  static final Set<String> EXTERNAL_METRICS = Set.of("up", "kube_pod_status_ready");

  static final Set<String> HISTOGRAMS =
      Set.of(
          "portcullis_request_duration_seconds",
          "portcullis_upstream_duration_seconds",
          "portcullis_auth_validate_duration_seconds",
          "portcullis_revocation_propagation_seconds");

  /** Revocation outcomes the gateway counts in portcullis_auth_results_total too. */
  static final Set<String> REVOCATION_RESULTS =
      Set.of("token_revoked", "key_revoked", "org_suspended");

  static final Set<String> AUTH_RESULTS = authResults();

  static final Set<String> REQUEST_CODES = requestCodes();

  static final Set<String> DECISIONS =
      Set.of(
          "allowed", "limited", "local_allowed", "local_limited", "failed_open", "failed_closed");

  /** Allowed values per (metric, label); a metric or label not listed is not checked. */
  static final Map<String, Map<String, Set<String>>> LABEL_VALUES =
      Map.of(
          "portcullis_auth_results_total", Map.of("result", AUTH_RESULTS),
          "portcullis:auth_results:rate5m", Map.of("result", AUTH_RESULTS),
          "portcullis_requests_total", Map.of("code", REQUEST_CODES),
          "portcullis_ratelimit_decisions_total", Map.of("decision", DECISIONS),
          // the keyset's own constants: the rules and the exporter cannot drift apart
          "portcullis_keyset_refresh_total",
              Map.of("result", Set.of(KeySetMetrics.RESULT_SUCCESS, KeySetMetrics.RESULT_FAILURE)),
          "portcullis_token_cache_requests_total", Map.of("result", Set.of("hit", "miss")),
          "kube_pod_status_ready", Map.of("condition", Set.of("true", "false", "unknown")));

  private static Set<String> authResults() {
    Set<String> s = new HashSet<>(REVOCATION_RESULTS);
    Stream.of(ValidationResult.values()).map(ValidationResult::label).forEach(s::add);
    return Set.copyOf(s);
  }

  private static Set<String> requestCodes() {
    Set<String> s = new HashSet<>(Set.of("ok"));
    Stream.of(ErrorCode.values()).map(ErrorCode::code).forEach(s::add);
    return Set.copyOf(s);
  }

  /** The metric family a series name belongs to: histogram suffixes stripped. */
  static String family(String name) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (HISTOGRAMS.contains(base)) {
          return base;
        }
      }
    }
    return name;
  }

  static boolean known(String name) {
    String f = family(name);
    return SPEC_METRICS.contains(f) || ADDED_METRICS.contains(f) || EXTERNAL_METRICS.contains(f);
  }
}

#!/usr/bin/env sh
# Regenerates portcullis-alerts.yaml (the PrometheusRule the Prometheus operator loads) from
# rules/portcullis.rules.yaml (the plain rule file promtool tests). AlertRulesTest fails when
# the two disagree; run this after every rule change.
set -eu
cd "$(dirname "$0")"
{
  cat <<'HEADER'
# GENERATED from rules/portcullis.rules.yaml by generate-prometheusrule.sh: edit that file,
# not this one. The label "release: prometheus" is what kube-prometheus-stack's default
# ruleSelector matches; adjust it to your Prometheus' ruleSelector.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: portcullis
  labels:
    app.kubernetes.io/name: portcullis
    release: prometheus
spec:
HEADER
  sed -n '/^groups:/,$p' rules/portcullis.rules.yaml | sed 's/^/  /'
} > portcullis-alerts.yaml

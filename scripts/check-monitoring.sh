#!/usr/bin/env bash
# Checks the monitoring configuration in deploy/ with the real tools (Debian packages
# prometheus and prometheus-alertmanager): Prometheus' config and rules, the rules' unit
# tests, Alertmanager's config and routing, the Grafana dashboards' structure (offline:
# scripts/check-expressions.py), and that every alert has a severity, a runbook section
# in docs/runbook.md and tests that see it fire and stay silent.
#   scripts/check-monitoring.sh      exit 0 when all pass, 1 otherwise (each failure named)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in promtool amtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-monitoring: $tool is missing (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

rules=(deploy/prometheus/rules/*.yml)
tests=(deploy/prometheus/tests/*.yml)
alertmanager=deploy/alertmanager/alertmanager.yml
runbook=docs/runbook.md
failures=0
fail() {
  echo "check-monitoring: FAILED: $*" >&2
  failures=$((failures + 1))
}

# Runs a command quietly; prints its output only when it fails.
step() {
  local what="$1"
  shift
  local output
  if output="$("$@" 2>&1)"; then
    echo "check-monitoring: $what: ok"
  else
    printf '%s\n' "$output" >&2
    fail "$what"
  fi
}

step "prometheus config" promtool check config --lint-fatal deploy/prometheus/prometheus.yml
step "rules" promtool check rules --lint-fatal "${rules[@]}"
step "rule unit tests" promtool test rules "${tests[@]}"
step "alertmanager config" amtool check-config "$alertmanager"
# The expression checker itself (its metric-name extraction), and the dashboards'
# structure and expressions without a Prometheus; against a live one it is run as
# scripts/check-expressions.py --prometheus URL.
step "expression checker self-test" scripts/check-expressions.py --self-test
step "grafana dashboards" scripts/check-expressions.py --offline
for route in page:pager ticket:tickets info:default; do
  step "alertmanager routes severity=${route%%:*} to ${route#*:}" \
    amtool config routes test --config.file="$alertmanager" --verify.receivers="${route#*:}" \
    alertname=Check service=check severity="${route%%:*}"
done

# --- every alert: a known severity, a runbook section, tests that fire and stay silent
mapfile -t alerts < <(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "${rules[@]}" | sort -u)
if [ ${#alerts[@]} -eq 0 ]; then fail "no alert found in ${rules[*]}"; fi

while read -r severity; do
  case "$severity" in
    page | ticket | info) ;;
    *) fail "severity '$severity' in the rules: use page, ticket or info" ;;
  esac
done < <(sed -n 's/^ *severity: *\([^ ]*\).*/\1/p' "${rules[@]}" | sort -u)

# runbook_url anchors must name a section of the runbook (GitHub anchors: lower case).
mapfile -t sections < <(sed -n 's/^## *\([A-Za-z0-9_]*\) *$/\1/p' "$runbook")
anchors=" $(printf '%s\n' "${sections[@]}" | tr '[:upper:]' '[:lower:]' | tr '\n' ' ')"
while read -r anchor; do
  if [[ "$anchors" != *" $anchor "* ]]; then
    fail "runbook_url anchor #$anchor has no section in $runbook"
  fi
done < <(sed -n 's/^ *runbook_url: *docs\/runbook\.md#\([^ ]*\).*/\1/p' "${rules[@]}" | sort -u)
if grep -h 'runbook_url:' "${rules[@]}" | grep -vq 'runbook_url: *docs/runbook\.md#'; then
  fail "a runbook_url does not point at docs/runbook.md#<section>"
fi
# Each alert rule: a severity, and a summary, description and runbook_url (written out,
# or shared through a YAML alias `annotations: *name`).
while read -r incomplete; do
  fail "alert rule $incomplete lacks a severity, summary, description or runbook_url"
done < <(awk '
  function check() {
    if (name != "" && !(severity && (alias || (summary && description && runbook))))
      print name " (" file ")"
  }
  FNR == 1 { check(); name = "" }
  /^ *- (alert|record):/ {
    check()
    name = ($2 == "alert:") ? $3 : ""
    file = FILENAME
    severity = summary = description = runbook = alias = 0
  }
  /^ *severity:/ { severity = 1 }
  /^ *summary:/ { summary = 1 }
  /^ *description:/ { description = 1 }
  /^ *runbook_url:/ { runbook = 1 }
  /^ *annotations: *\*/ { alias = 1 }
  END { check() }
' "${rules[@]}")

# Per test case: "fires <alert>" when an eval expects alerts, "silent <alert>" when it
# expects none.
coverage="$(awk '
  /^ *alertname:/ { name = $2 }
  /^ *exp_alerts: *\[\] *$/ { print "silent " name; next }
  /^ *exp_alerts: *$/ { print "fires " name }
' "${tests[@]}" | sort -u)"

for alert in "${alerts[@]}"; do
  if ! grep -qx "## $alert" "$runbook"; then
    fail "alert $alert has no section '## $alert' in $runbook"
  fi
  if ! grep -qx "fires $alert" <<<"$coverage"; then
    fail "alert $alert has no test case where it fires (deploy/prometheus/tests)"
  fi
  if ! grep -qx "silent $alert" <<<"$coverage"; then
    fail "alert $alert has no test case where it stays silent (deploy/prometheus/tests)"
  fi
done

if [ "$failures" -gt 0 ]; then
  echo "check-monitoring: $failures check(s) failed" >&2
  exit 1
fi
echo "check-monitoring: all checks passed (${#alerts[@]} alerts)"

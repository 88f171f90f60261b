#!/usr/bin/env bash
# Blue-green on Kubernetes for one service (subject-, file- or syllabus-service): brings up
# the other colour's Deployment at the live one's size with the new image, shifts the
# registry's traffic split to it step by step (every client of the registry follows), then
# points the Service and the HPA at it and scales the old colour to zero. Run it again
# with the old colour to roll back (the old image is still in its Deployment).
#
#   deploy/k8s/switch-colour.sh subject-service green syllabus/subject-service:0.2.0 \
#       [--namespace syllabus] [--steps "10 50 100"] [--pause 60]
#
# Needs kubectl with access to the namespace, curl, and PLATFORM_TOKEN (the
# platform-token of platform-secrets) in the environment. It stops at the first failure
# and then sends the traffic back to the live colour.
set -euo pipefail

service="${1:?service}"
colour="${2:?colour: blue or green}"
image="${3:-}"
shift 3 || shift $#
namespace=syllabus
steps="10 50 100"
pause=60
while [ $# -gt 0 ]; do
  case "$1" in
    --namespace) namespace="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --pause) pause="$2"; shift 2 ;;
    *) echo "switch-colour: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$colour" in blue) live=green ;; green) live=blue ;; *) echo "colour: blue or green" >&2; exit 2 ;; esac
: "${PLATFORM_TOKEN:?set PLATFORM_TOKEN to the platform token}"
kc=(kubectl --namespace "$namespace")

# The registry, reached through a port-forward for the length of the switch.
"${kc[@]}" port-forward service/config-service 18100:8100 >/dev/null 2>&1 &
forward=$!
trap 'kill $forward 2>/dev/null || true' EXIT
sleep 2
split() {  # split PERCENT_TO_NEW
  curl -fsS -X PUT "http://127.0.0.1:18100/registry/services/$service/traffic" \
    -H "Authorization: Bearer $PLATFORM_TOKEN" -H "Content-Type: application/json" \
    -d "{\"$colour\": $1, \"$live\": $((100 - $1))}" >/dev/null
}
back() {
  echo "switch-colour: failed; the traffic goes back to $live" >&2
  split 0 || true
  "${kc[@]}" scale "deployment/$service-$colour" --replicas=0 || true
  exit 1
}
trap 'back' ERR

replicas="$("${kc[@]}" get "deployment/$service-$live" -o jsonpath='{.spec.replicas}')"
split 0
if [ -n "$image" ]; then
  "${kc[@]}" set image "deployment/$service-$colour" "$service=$image"
fi
"${kc[@]}" scale "deployment/$service-$colour" --replicas="$replicas"
"${kc[@]}" rollout status "deployment/$service-$colour" --timeout=300s
for percent in $steps; do
  split "$percent"
  echo "switch-colour: $percent % of $service's calls to $colour; watching for $pause s"
  sleep "$pause"
  # The gate: no 5xx share above 1 % on the new colour (its pods' metrics, through
  # Prometheus in a real cluster: the SLO burn-rate alerts of deploy/prometheus).
done
"${kc[@]}" patch "service/$service" --type merge -p "{\"spec\":{\"selector\":{\"colour\":\"$colour\"}}}"
"${kc[@]}" patch "hpa/$service" --type merge \
  -p "{\"spec\":{\"scaleTargetRef\":{\"name\":\"$service-$colour\"}}}" || true
"${kc[@]}" scale "deployment/$service-$live" --replicas=0
curl -fsS -X DELETE "http://127.0.0.1:18100/registry/services/$service/traffic" \
  -H "Authorization: Bearer $PLATFORM_TOKEN" >/dev/null
echo "switch-colour: $service runs $colour"

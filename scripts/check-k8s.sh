#!/usr/bin/env bash
# Checks deploy/k8s offline: each overlay built with `kubectl kustomize` (kubectl, or
# Debian's kubernetes-client), every object against the Kubernetes API schemas of the
# pinned kubernetes-models, and the platform's policies (tools/k8s-validate/validate.mjs:
# probes, requests and limits, non-root, read-only root, dropped capabilities, pinned
# image tags, drain within the grace period, PDBs, HPAs, blue/green Deployments, network
# policies, no Secret in the manifests). Then proves the check bites: copies of the
# manifests, each broken one way, must each be refused naming what is wrong.
#   scripts/check-k8s.sh      exit 0 when all hold, 1 otherwise
set -euo pipefail
cd "$(dirname "$0")/.."

validator=tools/k8s-validate/validate.mjs
for tool in kubectl node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-k8s: $tool is missing (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done
if [ ! -d tools/k8s-validate/node_modules/kubernetes-models ]; then
  echo "check-k8s: tools/k8s-validate/node_modules is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

node "$validator" deploy/k8s

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
# broken NAME EXPECTED-TEXT SED-SCRIPT FILE: a copy with FILE edited must be refused
# with EXPECTED-TEXT in the report.
broken() {
  local name="$1" expected="$2" script="$3" file="$4"
  rm -rf "${work:?}/$name"
  cp -r deploy/k8s "$work/$name"
  sed -i "$script" "$work/$name/$file"
  local report
  if report="$(node "$validator" "$work/$name" 2>&1)"; then
    echo "check-k8s: FAILED: a copy with $name passed" >&2
    failures=$((failures + 1))
  elif ! grep -q -- "$expected" <<<"$report"; then
    echo "check-k8s: FAILED: a copy with $name was refused without \"$expected\":" >&2
    echo "$report" >&2
    failures=$((failures + 1))
  fi
}
broken no-readiness-probe "no readinessProbe" 's#readinessProbe:#notAProbe:#' base/file-service.yaml
broken unpinned-image "is not pinned" 's#newTag: 0.1.0#newTag: latest#' base/kustomization.yaml
broken root-user "runs as uid 0" 's#runAsUser: 10001#runAsUser: 0#' base/api-gateway.yaml
broken writable-root "root filesystem not read-only" 's#readOnlyRootFilesystem: true#readOnlyRootFilesystem: false#' base/subject-service.yaml
broken short-grace "terminationGracePeriodSeconds 5" 's#terminationGracePeriodSeconds: 20#terminationGracePeriodSeconds: 5#' base/syllabus-service.yaml
broken no-limits "no limits.memory" 's#limits: {cpu: "2", memory: 64Mi}#limits: {cpu: "2"}#' base/config-service.yaml
broken schema-type "does not match the API schema" 's#containerPort: 8102#containerPort: "eighty"#' base/file-service.yaml
broken open-service "opens subject-service" 's#app.kubernetes.io/name: api-gateway$#app.kubernetes.io/name: subject-service#' base/network-policies.yaml
broken secret-in-env "is set in the manifest" 's#SYL_LOG_LEVEL: info#SYL_LOG_LEVEL: info\n  SYL_PLATFORM_TOKEN: hunter2#' base/configmap.yaml
if [ "$failures" -gt 0 ]; then
  exit 1
fi
echo "check-k8s: 9 broken copies, each refused for what is wrong"

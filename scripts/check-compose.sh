#!/usr/bin/env bash
# Checks deploy/compose without an engine: every combination of compose.yaml and its
# overrides validates (`docker-compose config -q`); its Prometheus configuration is
# deploy/prometheus/prometheus.yml with the compose names and nothing else changed; no
# secret is set in the environment (only *_FILE paths to compose secrets); every image is
# pinned to a tag; every dependency waits for health. The end-to-end run with the engine
# is scripts/compose-test.sh.
#   scripts/check-compose.sh      exit 0 when all hold, 1 otherwise
set -euo pipefail
cd "$(dirname "$0")/.."
command -v docker-compose >/dev/null || { echo "check-compose: docker-compose is missing" >&2; exit 1; }
command -v jq >/dev/null || { echo "check-compose: jq is missing" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r deploy "$work/deploy"
rm -rf "$work/deploy/compose/secrets"
"$work/deploy/compose/make-secrets.sh" >/dev/null
dir="$work/deploy/compose"
failures=0
fail() { echo "check-compose: FAILED: $*" >&2; failures=$((failures + 1)); }

for overrides in "" compose.dev.yaml compose.prod.yaml compose.host.yaml; do
  args=(-f "$dir/compose.yaml")
  for file in $overrides; do args+=(-f "$dir/$file"); done
  if ! output="$(docker-compose "${args[@]}" config -q 2>&1)"; then
    fail "compose.yaml ${overrides:+with $overrides} does not validate: $output"
  fi
done

# The resolved base setup, as JSON (docker-compose prints YAML; python3-yaml reads it).
docker-compose -f "$dir/compose.yaml" --profile grafana config 2>/dev/null |
  python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))' >"$work/config.json"
services="$(jq -r '.services | keys[]' "$work/config.json")"
for service in config-service subject-service file-service syllabus-service api-gateway \
               postgres redis s3 prometheus alertmanager grafana; do
  grep -qx "$service" <<<"$services" || fail "no service $service"
done
while read -r service image; do
  case "$image" in
    *:latest | *[!0-9a-z.:/_-]* | "") fail "$service: image \"$image\" is not pinned" ;;
    *:*) ;;
    *) fail "$service: image \"$image\" has no tag" ;;
  esac
done < <(jq -r '.services | to_entries[] | "\(.key) \(.value.image)"' "$work/config.json")
jq -r '.services | to_entries[] | .key as $s | (.value.environment // {}) | keys[] | "\($s) \(.)"' \
  "$work/config.json" | while read -r service name; do
  if [[ "$name" =~ (TOKEN|SECRET|PASSWORD|KEYS?|DATABASE_URL)$ ]]; then
    echo "check-compose: FAILED: $service sets $name in its environment (use ${name}_FILE and a secret)" >&2
    echo x >>"$work/env-failures"
  fi
done
[ -f "$work/env-failures" ] && failures=$((failures + $(wc -l <"$work/env-failures")))
conditions="$(jq -r '[.services[] | (.depends_on // {}) | to_entries[] | .value.condition] | unique | join(",")' "$work/config.json")"
[ "$conditions" = service_healthy ] || fail "a dependency does not wait for health ($conditions)"

# Prometheus: the same configuration as deploy/prometheus, with the compose names.
strip() { grep -v '^#' "$1" | sed '/./,$!d'; }
if ! diff <(strip deploy/prometheus/prometheus.yml | sed -e 's/127\.0\.0\.1:8100/config-service:8100/g' \
              -e 's/127\\\.0\\\.0\\\.1:8100/config-service:8100/g' -e 's/127\.0\.0\.1:9093/alertmanager:9093/g') \
            <(strip deploy/compose/prometheus.yml) >"$work/prometheus.diff"; then
  fail "deploy/compose/prometheus.yml differs from deploy/prometheus/prometheus.yml:"
  cat "$work/prometheus.diff" >&2
fi

if [ "$failures" -gt 0 ]; then exit 1; fi
echo "check-compose: compose.yaml and its overrides validate; secrets from files; images pinned; health-gated"

#!/usr/bin/env bash
# Verifies a provider against every pact in contracts/pacts/ that names it (Pact names
# its files <consumer>-<provider>.json): starts the provider's real binary (SQLite in a
# temporary directory, no Redis needed) with its contract test routes on
# (SYL_TEST_PROVIDER_STATES=true), and runs Pact's verifier against it: the HTTP
# interactions, with their provider states set up through /_test/provider-states, and the
# messages, which the service makes with its own event mapper at /_test/messages. A
# broken interaction fails with the consumer's and the interaction's names.
#   scripts/pact-verify.sh PROVIDER BINARY [PACT_CLI]
#   scripts/pact-verify.sh subject-service build/debug/services/subject-service/subject-service
# PACTS_DIR=dir verifies the pacts of another directory (a consumer's other version);
# the outcome is recorded in PACT_RESULTS (default var/pact-results.jsonl).
set -euo pipefail
cd "$(dirname "$0")/.."

provider="$1"
binary="$2"
pact="${3:-tools/pact/node_modules/@pact-foundation/pact-cli-linux-x64/standalone/pact}"
pacts_dir="${PACTS_DIR:-contracts/pacts}"
export PACT_DO_NOT_TRACK=true

if [ ! -x "$pact" ]; then
  echo "pact-verify: no pact CLI at $pact (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t pacts < <(ls "$pacts_dir"/*-"$provider".json 2>/dev/null || true)
if [ ${#pacts[@]} -eq 0 ]; then
  echo "pact-verify: no pact names $provider as its provider in $pacts_dir" >&2
  exit 1
fi

workdir="$(mktemp -d /tmp/pact-verify.XXXXXX)"
service_pid=""
cleanup() {
  if [ -n "$service_pid" ]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# Only the variables set here: nothing of the caller's SYL_* reaches the provider.
env -i PATH="$PATH" HOME="$workdir" \
  SYL_HTTP_PORT=0 \
  SYL_DATABASE_URL="sqlite://$workdir/$provider.db" \
  SYL_STORAGE_LOCAL_ROOT="$workdir/storage" \
  SYL_TEST_PROVIDER_STATES=true \
  "$binary" >"$workdir/service.log" 2>&1 &
service_pid=$!
port=""
for _ in $(seq 1 200); do
  port="$(grep -m1 '"msg":"ready"' "$workdir/service.log" 2>/dev/null |
    sed -n 's/.*"port":\([0-9]*\).*/\1/p' || true)"
  [ -n "$port" ] && break
  kill -0 "$service_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "pact-verify: $provider did not start; its log:" >&2
  cat "$workdir/service.log" >&2
  exit 1
fi

echo "pact-verify: $provider on port $port against ${pacts[*]}"
files=()
for file in "${pacts[@]}"; do files+=(--file "$file"); done
status=0
"$pact" verifier "${files[@]}" \
  --provider-name "$provider" --hostname 127.0.0.1 --port "$port" \
  --transports "message:$port/_test/messages" \
  --state-change-url "http://127.0.0.1:$port/_test/provider-states" \
  --no-colour || status=$?
# The result, for scripts/can-i-deploy: which provider version was verified against which
# pact (its interactions' digest), and how it went.
results="${PACT_RESULTS:-var/pact-results.jsonl}"
mkdir -p "$(dirname "$results")"
ready="$(curl -s "http://127.0.0.1:$port/health/ready" || true)"
python3 scripts/can-i-deploy record --results "$results" --provider "$provider" \
  --ready "$ready" --status "$status" "${pacts[@]}"
if [ "$status" -ne 0 ]; then
  echo "pact-verify: $provider breaks a consumer's pact (above: the consumer and the interaction)" >&2
  echo "pact-verify: the last lines of the provider's log:" >&2
  tail -n 20 "$workdir/service.log" >&2
fi
exit "$status"

#!/usr/bin/env bash
# Change-to-seen latency of the config-service's long-poll watches: how long after a
# registry change (an instance registers) or a configuration change (a PUT) each of 100
# watchers has it. Writes the figures to docs/benchmarks.md.
#   WATCHERS=100 CHANGES=50 scripts/bench/config-service.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
WATCHERS="${WATCHERS:-100}"
CHANGES="${CHANGES:-50}"
scripts/install-deps.sh >/dev/null
build="$(build_dir)"
service="$build/services/config-service/config-service"
bench="$build/tools/watch-bench/watch-bench"

work="$(mktemp -d /tmp/sylcfgbench.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

results="$work/results.md"
{
  echo "| change | watchers | changes | samples | p50 | p99 | max | missed |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
} >"$results"
verdicts=""
# A throwaway platform token for the throwaway config-service.
token="$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
for backend in sqlite; do
  # A random port may be taken: try another while the service exits at start.
  for _ in 1 2 3 4 5 6 7 8; do
    port=$(( 20000 + RANDOM % 40000 ))
    SYL_HTTP_PORT="$port" SYL_DATABASE_URL="sqlite://$work/config.db" SYL_LOG_LEVEL=warn \
      SYL_WORKER_THREADS=4 SYL_PLATFORM_TOKEN="$token" "$service" >"$work/service.log" 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || ! kill -0 "$pid" 2>/dev/null; do
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then break; fi
    wait "$pid" 2>/dev/null || true
    pid=""
  done
  if [ -z "$pid" ]; then cat "$work/service.log"; exit 1; fi
  for mode in registry config; do
    line="$("$bench" --url "http://127.0.0.1:$port" --mode "$mode" --watchers "$WATCHERS" --changes "$CHANGES" --token "$token")"
    echo "[$backend] $line" >&2
    value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    p99="$(value p99_ms)"
    verdicts+="$mode p99 $p99 ms, $(awk -v v="$p99" 'BEGIN {print (v < 100) ? "met" : "**missed**"}'); "
    echo "| $mode | $(value watchers) | $(value changes) | $(value samples) | $(value p50_ms) ms | $p99 ms | $(value max_ms) ms | $(value missed) |" >>"$results"
  done
  kill "$pid"; wait "$pid" || true; pid=""
done

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
section="$work/section.md"
{
  echo "### config-service watches — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(. /etc/os-release; echo "$PRETTY_NAME"); the config-service (release, SQLite) and the watchers on the same machine."
  echo "Command: \`WATCHERS=$WATCHERS CHANGES=$CHANGES scripts/bench/config-service.sh\`. Each of $WATCHERS watchers long-polls (\`wait=30s&after=N\`); a change every 100 ms; latency runs from sending the change to a watcher holding the answer that contains it."
  echo
  echo "Target: p99 under 100 ms with 100 watchers — ${verdicts%; }."
  echo
  cat "$results"
  echo
} >"$section"
cat "$section"
write_doc_section config-service "config-service" "$section"

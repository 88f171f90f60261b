#!/usr/bin/env bash
# Benchmarks the event backbone end to end (outbox commit -> relay -> Redis stream ->
# consumer with inbox) and writes the figures to docs/benchmarks.md: commit-to-handled
# latency at a steady 500 events/s, and the highest sustained rate, on SQLite and
# PostgreSQL.   SECONDS_PER_STEP=10 scripts/bench/events.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
SECONDS_PER_STEP="${SECONDS_PER_STEP:-10}"
scripts/install-deps.sh >/dev/null
build="$(build_dir)"
bench="$build/tools/events-bench/events-bench"
source scripts/lib/postgres.sh

work="$(mktemp -d /tmp/sylevbench.XXXXXX)"
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

start_redis "$work"
redis="redis://127.0.0.1:$redis_port"

PG_EXTRA_OPTIONS="-c max_connections=100" pg_start "$work/pg"
psql_cmd() { pg_as_owner psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt -c "$1"; }

results="$work/results.md"
verdicts=""
{
  echo "| producer / consumer database | steady 500 events/s: p50 | p99 | max | highest sustained rate |"
  echo "|---|---:|---:|---:|---:|"
} >"$results"
for backend in ${BACKENDS:-sqlite postgresql}; do
  run() {  # run <step name> <args...>
    local name="$1"; shift
    if [ "$backend" = sqlite ]; then
      rm -f "$work"/*.db*
      "$bench" --database "sqlite://$work/producer.db" --consumer-database "sqlite://$work/consumer.db" \
        --redis "$redis" --seconds "$SECONDS_PER_STEP" "$@"
    else
      psql_cmd "DROP DATABASE IF EXISTS producer_$name" >/dev/null; psql_cmd "CREATE DATABASE producer_$name"
      psql_cmd "DROP DATABASE IF EXISTS consumer_$name" >/dev/null; psql_cmd "CREATE DATABASE consumer_$name"
      "$bench" --database "postgresql://postgres@127.0.0.1:$PG_PORT/producer_$name" \
        --consumer-database "postgresql://postgres@127.0.0.1:$PG_PORT/consumer_$name" \
        --redis "$redis" --seconds "$SECONDS_PER_STEP" "$@"
    fi
  }
  steady="$(run steady --rate 500)"
  echo "[$backend] $steady" >&2
  ramp="$(run ramp --rate 1000 --find-max)"
  echo "$ramp" | sed "s/^/[$backend] /" >&2
  value() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }
  p99="$(value p99_ms "$steady")"
  verdicts+="$backend $p99 ms, $(awk -v v="$p99" 'BEGIN {print (v < 20) ? "met" : "**missed**"}'); "
  echo "| $backend | $(value p50_ms "$steady") ms | $(value p99_ms "$steady") ms | $(value max_ms "$steady") ms | $(value highest_sustained_rate "$ramp") events/s |" >>"$results"
  echo "$ramp" >"$work/ramp-$backend.txt"
done

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
section="$work/section.md"
{
  echo "### Event backbone — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(. /etc/os-release; echo "$PRETTY_NAME"), Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2), everything on one machine."
  echo "Command: \`SECONDS_PER_STEP=$SECONDS_PER_STEP scripts/bench/events.sh\`. Latency runs from the producing transaction's commit to the consumer's handler (inbox insert and commit included); one producer thread commits one event per transaction; the rate doubles from 1,000/s until events are left unhandled 2 s after the producer stops or p99 passes 1 s."
  echo
  echo "Target: p99 under 20 ms at 500 events/s — ${verdicts%; }."
  echo
  cat "$results"
  echo
  for backend in ${BACKENDS:-sqlite postgresql}; do
    echo "Ramp on $backend: $(grep '^rate=' "$work/ramp-$backend.txt" | awk '{printf "%s (%s, %s); ", $1, $5, $7}')"
    echo
  done
} >"$section"
cat "$section"
write_doc_section events "Event backbone" "$section"

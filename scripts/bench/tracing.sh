#!/usr/bin/env bash
# What tracing costs: the subject-service's read by id (random among 1,000 seeded, SQLite)
# under wrk with tracing on (every trace sampled: a server span per request, written to
# the service's log) and off (tracing.sample_ratio 0: nothing recorded), the two
# alternated ROUNDS times on one instance each; medians into docs/benchmarks.md. The
# metrics are on in both (they cannot be turned off). Target: under 10% fewer requests/s.
#   scripts/bench/tracing.sh                  (defaults: 10 s a run, 32 connections, 5 rounds)
#   DURATION=20s ROUNDS=5 scripts/bench/tracing.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
ROUNDS="${ROUNDS:-5}"
LOG_LEVEL="${LOG_LEVEL:-info}"

scripts/install-deps.sh >/dev/null
build="$(build_dir)"
binary="$build/services/subject-service/subject-service"
bench_workdir
start_redis "$work"

# Starts an instance on the shared database; sets `port`.
start() {
  local name="$1" ratio="$2"
  port="$(free_port)"
  SYL_HTTP_PORT="$port" SYL_DATABASE_URL="sqlite://$work/subjects.db" SYL_LOG_LEVEL="$LOG_LEVEL" \
    SYL_REDIS_URL="redis://127.0.0.1:$redis_port" SYL_TRACING_SAMPLE_RATIO="$ratio" \
    "$binary" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  pid="$!"
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health/live"; do sleep 0.02; done
}
start traced 1
on_port="$port"; on_pid="$pid"
start untraced 0
off_port="$port"; off_pid="$pid"

# 1,000 subjects, and their ids for wrk.
ids="$work/ids.lua"
seed_subjects "$off_port" TR 1000 "$ids"
export BENCH_IDS="$ids"

# CPU time (user + system) the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second="$(getconf CLK_TCK)"

# One wrk run against port $1 (the process $2); prints "rps p50 p99 cpu_us_per_request".
run_wrk() {
  local out before after
  before="$(cpu_ticks "$2")"
  out="$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/bench/wrk/read_by_id.lua \
    "http://127.0.0.1:$1")"
  after="$(cpu_ticks "$2")"
  echo "$out" >>"$work/wrk.log"
  local rps p50 p99 requests cpu
  read -r rps p50 p99 _ <<<"$(wrk_figures <<<"$out")"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  cpu="$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" \
    'BEGIN {printf "%.1f", t / hz * 1e6 / n}')"
  echo "$rps $p50 $p99 $cpu"
}

run_wrk "$on_port" "$on_pid" >/dev/null  # warm both (page cache, connections)
run_wrk "$off_port" "$off_pid" >/dev/null
: >"$work/on" ; : >"$work/off"
for round in $(seq 1 "$ROUNDS"); do
  read -r rps p50 p99 cpu <<<"$(run_wrk "$on_port" "$on_pid")"
  echo "$rps $p50 $p99 $cpu" >>"$work/on"
  echo "  round $round tracing on:  $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us CPU/request" >&2
  read -r rps p50 p99 cpu <<<"$(run_wrk "$off_port" "$off_pid")"
  echo "$rps $p50 $p99 $cpu" >>"$work/off"
  echo "  round $round tracing off: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu us CPU/request" >&2
done
on_rps="$(column_median "$work/on" 1)"; off_rps="$(column_median "$work/off" 1)"
spans="$(grep -c '"msg":"span"' "$work/traced.log" || true)"
untraced_spans="$(grep -c '"msg":"span"' "$work/untraced.log" || true)"
# The cost per round (each round's two runs back to back), then their median and range:
# the runs of one instance vary by a few percent from round to round on this machine.
paste -d' ' "$work/on" "$work/off" | awk '{printf "%.1f\n", (1 - $1 / $5) * 100}' >"$work/costs"
cost="$(median <"$work/costs")"
cost_range="$(sort -g "$work/costs" | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "% to " hi "%"}')"
verdict="$(awk -v c="$cost" 'BEGIN {print (c < 10) ? "met" : "**missed**"}')"
cpu_cost="$(awk -v on="$(column_median "$work/on" 4)" -v off="$(column_median "$work/off" 4)" \
  'BEGIN {printf "%.1f", (on / off - 1) * 100}')"

section="$work/section.md"
{
  echo "### What tracing costs — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo | awk '{print $1, $2}')), $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"); wrk and the service on the same machine."
  echo "Command: \`DURATION=$DURATION CONNECTIONS=$CONNECTIONS ROUNDS=$ROUNDS scripts/bench/tracing.sh\` (release build; the subject-service on SQLite with 1,000 subjects, read by random id, wrk -t1 -c$CONNECTIONS; two instances on one database, alternated, medians; log level $LOG_LEVEL in both; metrics on in both)."
  echo
  echo "| read by id | requests/s | p50 ms | p99 ms | service CPU µs/request |"
  echo "|---|---:|---:|---:|---:|"
  echo "| tracing on (every trace sampled, a span line per request) | $on_rps | $(column_median "$work/on" 2) | $(column_median "$work/on" 3) | $(column_median "$work/on" 4) |"
  echo "| tracing off (tracing.sample_ratio 0) | $off_rps | $(column_median "$work/off" 2) | $(column_median "$work/off" 3) | $(column_median "$work/off" 4) |"
  echo
  echo "CPU the service spends per request with tracing on: $cpu_cost% more (medians; the most stable figure here, as wrk shares the two cores with the service)."
  echo "Throughput cost of tracing every request: $cost% (the median of the rounds' costs, which ranged from $cost_range; target under 10%, $verdict). Span lines written: $spans by the traced instance, $untraced_spans by the other."
  echo
} >"$section"
cat "$section"
write_doc_section tracing "Tracing" "$section"

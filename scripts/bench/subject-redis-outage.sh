#!/usr/bin/env bash
# Subject creates on SQLite while Redis hangs: the outbox relay must never make the
# service's writers wait for the broker. wrk creates subjects for DURATION with Redis
# answering, then again with Redis stopped by SIGSTOP (it still accepts connections but
# never answers: a hung broker), then Redis resumes and the script times how long the
# relay takes to publish the backlog. Prints requests/s, p50 and p99 of both phases and
# writes them to docs/benchmarks.md (WRITE_DOCS=0 to only print).
#   scripts/bench/subject-redis-outage.sh                      (release build of this tree)
#   BINARY=path/to/subject-service scripts/bench/subject-redis-outage.sh   (another build)
#   BASELINE=path/to/older/subject-service BASELINE_LABEL="before (abc123)" ...
#                     also measures that build, first, for a before/after table
#   DURATION=10s CONNECTIONS=32 scripts/bench/subject-redis-outage.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
WRITE_DOCS="${WRITE_DOCS:-1}"

scripts/install-deps.sh >/dev/null
if [ -z "${BINARY:-}" ]; then
  scripts/build.sh release subject-service >/dev/null
  BINARY="build/release/services/subject-service/subject-service"
fi

work="$(mktemp -d /tmp/sylbench-outage.XXXXXX)"
service_pid=""
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then kill -CONT "$redis_pid" 2>/dev/null || true; fi
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Runs the create scenario; prints "rps p50 p99 non2xx".
run_create() {
  local out rps p50 p99 errors
  out="$(BENCH_PREFIX="$1" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency \
    -s scripts/bench/wrk/create.lua "http://127.0.0.1:$port")"
  echo "$out" >>"$work/wrk.log"
  rps="$(awk '/^Requests\/sec/ {printf "%d", $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")"
  echo "$rps $p50 $p99 ${errors:-0}"
}

backlog() {
  curl -sf "http://127.0.0.1:$port/metrics" |
    awk '/^outbox_backlog\{stream="events.subject"\}/ {print $2}'
}

# Measures one build: both phases and the drain; appends its rows to $work/rows.md.
measure() {
  local label="$1" binary
  binary="$(realpath "$2")"
  rm -f "$work/subjects.db"*
  start_redis "$work"
  port="$(free_port)"
  SYL_HTTP_PORT="$port" SYL_DATABASE_URL="sqlite://$work/subjects.db" SYL_LOG_LEVEL=warn \
    SYL_REDIS_URL="redis://127.0.0.1:$redis_port" "$binary" >"$work/service.log" 2>&1 &
  service_pid=$!
  until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do
    if ! kill -0 "$service_pid" 2>/dev/null; then cat "$work/service.log"; exit 1; fi
    sleep 0.02
  done

  local healthy_rps healthy_p50 healthy_p99 healthy_errors
  read -r healthy_rps healthy_p50 healthy_p99 healthy_errors <<<"$(run_create H)"
  echo "$label, Redis answering: $healthy_rps req/s, p50 $healthy_p50, p99 $healthy_p99, non-2xx $healthy_errors" >&2

  kill -STOP "$redis_pid"
  local outage_rps outage_p50 outage_p99 outage_errors
  read -r outage_rps outage_p50 outage_p99 outage_errors <<<"$(run_create O)"
  echo "$label, Redis hung (SIGSTOP): $outage_rps req/s, p50 $outage_p50, p99 $outage_p99, non-2xx $outage_errors" >&2

  kill -CONT "$redis_pid"
  local resumed drained_ms="" drained
  resumed="$(now_ns)"
  for _ in $(seq 1 600); do
    if [ "$(backlog)" = "0" ]; then drained_ms=$(( ($(now_ns) - resumed) / 1000000 )); break; fi
    sleep 0.1
  done
  if [ -n "$drained_ms" ]; then drained="$drained_ms ms"; else drained="not within 60 s"; fi
  echo "$label, backlog published after Redis resumed: $drained" >&2

  echo "| $label | answering | $healthy_rps | $healthy_p50 | $healthy_p99 | $healthy_errors | |" >>"$work/rows.md"
  echo "| $label | hung (SIGSTOP) | $outage_rps | $outage_p50 | $outage_p99 | $outage_errors | $drained |" >>"$work/rows.md"

  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; service_pid=""
  kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=""
}

: >"$work/rows.md"
if [ -n "${BASELINE:-}" ]; then measure "${BASELINE_LABEL:-baseline}" "$BASELINE"; fi
measure "this build" "$BINARY"

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
{
  echo "### subject-service creates while Redis hangs — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(. /etc/os-release; echo "$PRETTY_NAME"); wrk, the service (SQLite) and Redis on the same machine."
  baseline_note=""
  if [ -n "${BASELINE:-}" ]; then baseline_note="BASELINE=<release build of ${BASELINE_LABEL:-the baseline}> "; fi
  echo "Command: \`${baseline_note}DURATION=$DURATION CONNECTIONS=$CONNECTIONS scripts/bench/subject-redis-outage.sh\` (release builds, wrk -t1 -c$CONNECTIONS; Redis stopped with SIGSTOP for the second phase, so connections open but nothing answers; the relay's command timeout is 1 s)."
  echo
  echo "| build | Redis | requests/s | p50 | p99 | non-2xx | backlog published after resuming |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  cat "$work/rows.md"
} >"$work/section.md"
cat "$work/section.md"
if [ "$WRITE_DOCS" = 1 ]; then
  write_doc_section subject-redis-outage "subject-service during a Redis outage" "$work/section.md"
  echo "written to docs/benchmarks.md" >&2
fi

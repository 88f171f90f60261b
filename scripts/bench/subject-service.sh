#!/usr/bin/env bash
# Benchmarks the subject-service with wrk on SQLite and on PostgreSQL and writes the
# figures to docs/benchmarks.md: read by id (random among 1,000 seeded), list (limit
# 20), create, and a mix of 80% read / 15% list / 5% create; requests/s, p50, p99,
# idle and loaded RSS, and start-up-to-ready time.
#   scripts/bench/subject-service.sh            (defaults: 10 s a scenario, 32 connections)
#   DURATION=30s CONNECTIONS=64 scripts/bench/subject-service.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
root="$(pwd)"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
BACKENDS="${BACKENDS:-sqlite postgresql}"

scripts/install-deps.sh >/dev/null
build="$(build_dir)"
binary="$build/services/subject-service/subject-service"
source scripts/lib/postgres.sh

work="$(mktemp -d /tmp/sylbench.XXXXXX)"
service_pid=""
redis_pid=""
cleanup() {
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  pg_stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT

# A Redis of its own: the service publishes every create's event through it, as deployed.
start_redis "$work"
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# Starts the service; sets service_pid, port and ready_ms (exec to accepting TCP).
start_service() {
  local url="$1"
  port="$(free_port)"
  local started
  started="$(now_ns)"
  SYL_HTTP_PORT="$port" SYL_DATABASE_URL="$url" SYL_LOG_LEVEL="${LOG_LEVEL:-info}" \
    SYL_REDIS_URL="redis://127.0.0.1:$redis_port" \
    "$binary" >"$work/service.log" 2>&1 &
  service_pid=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$service_pid" 2>/dev/null; then cat "$work/service.log"; exit 1; fi
    sleep 0.001
  done
  ready_ms=$(( ($(now_ns) - started) / 1000000 ))
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null
}

stop_service() {
  kill -TERM "$service_pid"
  wait "$service_pid" || true
  service_pid=""
}

seed() {
  local ids_file="$work/ids.lua" count
  seed_subjects "$port" SEED 1000 "$ids_file" 10
  export BENCH_IDS="$ids_file"
  count="$(grep -c '",$' "$ids_file")"
  if [ "$count" -lt 1000 ]; then echo "seeding stored only $count subjects" >&2; exit 1; fi
}

# Runs one wrk scenario; prints "rps p50 p99 non2xx".
run_wrk() {
  local script="$1" out
  out="$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "scripts/bench/wrk/$script" \
    "http://127.0.0.1:$port")"
  echo "$out" >>"$work/wrk.log"
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec/ {printf "%d", $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")"
  echo "$rps $p50 $p99 ${errors:-0}"
}

results="$work/results.md"
: >"$results"
for backend in $BACKENDS; do
  if [ "$backend" = sqlite ]; then
    url="sqlite://$work/subjects.db"
  else
    PG_EXTRA_OPTIONS="-c max_connections=100" pg_start "$work/pg"
    url="$PG_URL"
  fi
  start_service "$url"
  idle_kb="$(rss_kb "$service_pid")"
  seed
  echo "[$backend] ready in ${ready_ms} ms, idle RSS ${idle_kb} kB; running scenarios ($DURATION each)" >&2
  {
    echo "#### $backend"
    echo
    echo "Ready ${ready_ms} ms after exec (migrations included); idle RSS $(( idle_kb / 1024 )).$(( (idle_kb % 1024) * 10 / 1024 )) MB."
    echo
    echo "| scenario | requests/s | p50 | p99 | non-2xx |"
    echo "|---|---:|---:|---:|---:|"
  } >>"$results"
  for scenario in read_by_id list create mix; do
    read -r rps p50 p99 errors <<<"$(BENCH_PREFIX="$(tr a-z A-Z <<<"${backend:0:1}${scenario:0:1}")" run_wrk "$scenario.lua")"
    echo "  $scenario: $rps req/s, p50 $p50, p99 $p99, non-2xx $errors" >&2
    echo "| $scenario | $rps | $p50 | $p99 | $errors |" >>"$results"
    if [ "$backend" = sqlite ] && [ "$scenario" = read_by_id ]; then
      target_rps=$rps target_p99=$p99 target_idle_kb=$idle_kb target_ready_ms=$ready_ms
    fi
  done
  loaded_kb="$(hwm_kb "$service_pid")"
  echo >>"$results"
  echo "Peak RSS under load $(( loaded_kb / 1024 )).$(( (loaded_kb % 1024) * 10 / 1024 )) MB." >>"$results"
  echo >>"$results"
  stop_service
  if [ "$backend" = postgresql ]; then pg_stop "$work/pg"; fi
done

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
{
  echo "### subject-service under wrk — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); wrk and the service on the same machine."
  echo "Command: \`DURATION=$DURATION CONNECTIONS=$CONNECTIONS scripts/bench/subject-service.sh\` (release build, wrk -t1 -c$CONNECTIONS, access log at info level written to a file, a local Redis receiving every create's event through the outbox)."
  echo
  if [ -n "${target_rps:-}" ]; then
    p99_ms="$(awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$target_p99")"
    verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**missed**"; fi; }
    echo "Targets (SQLite): read by id above 25,000 requests/s — ${target_rps}, $(verdict "$(( target_rps > 25000 ))");" \
      "p99 under 5 ms — ${target_p99}, $(verdict "$(awk -v v="$p99_ms" 'BEGIN {print (v < 5) ? 1 : 0}')");" \
      "idle RSS under 15 MB — $(( target_idle_kb / 1024 )).$(( (target_idle_kb % 1024) * 10 / 1024 )) MB, $(verdict "$(( target_idle_kb < 15 * 1024 ))");" \
      "ready under 100 ms — ${target_ready_ms} ms, $(verdict "$(( target_ready_ms < 100 ))")."
    echo
  fi
  cat "$results"
} >"$work/section.md"
cat "$work/section.md"
if [ "${WRITE_DOCS:-1}" = 1 ]; then
  write_doc_section subject-service "subject-service" "$work/section.md"
  echo "written to docs/benchmarks.md" >&2
fi

#!/usr/bin/env bash
# Where a read's instructions go: the subject-service (release build, SQLite, 1,000
# subjects, tracing at its default of every trace sampled, log level info) runs under
# valgrind's callgrind while wrk reads subjects by random id; the user-space instructions
# of all its threads over DURATION are divided by the requests answered, and split by the
# functions that did them: metrics (the counters, gauges and histograms, and the series'
# look-ups), tracing (the trace context and the server span, its JSON line included) and
# the access log line. Instruction counts repeat within about 1% from run to run, where
# CPU time on a shared machine moves by 15% (scripts/bench/tracing.sh measures that
# too); they leave out the kernel's share. Into docs/benchmarks.md.
#   scripts/bench/instrumentation.sh                  (defaults: 8 s, 8 connections)
#   DURATION=20s scripts/bench/instrumentation.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
DURATION="${DURATION:-8s}"
CONNECTIONS="${CONNECTIONS:-8}"

scripts/install-deps.sh >/dev/null
command -v valgrind >/dev/null || { echo "instrumentation: valgrind is needed" >&2; exit 1; }
build="$(build_dir)"
binary="$build/services/subject-service/subject-service"
bench_workdir
start_redis "$work"

run_service() {
  SYL_HTTP_PORT="$port" SYL_DATABASE_URL="sqlite://$work/subjects.db" SYL_LOG_LEVEL=info \
    SYL_REDIS_URL="redis://127.0.0.1:$redis_port" SYL_TRACING_SAMPLE_RATIO=1 "$@" \
    >"$work/service.log" 2>&1 &
  pids+=("$!")
  pid="$!"
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/health/live" && return 0
    sleep 0.1
  done
  cat "$work/service.log" >&2
  exit 1
}

# The subjects, seeded by a plain instance (seeding under valgrind would take minutes).
port="$(free_port)"
run_service "$binary"
seed_subjects "$port" IN 1000 "$work/ids.lua"
kill "$pid"; wait "$pid" 2>/dev/null || true
export BENCH_IDS="$work/ids.lua"

port="$(free_port)"
run_service valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.%p" "$binary"
reads() {
  wrk -t1 -c"$CONNECTIONS" -d"$1" -s scripts/bench/wrk/read_by_id.lua "http://127.0.0.1:$port"
}
reads 3s >/dev/null  # warm: connections, caches, the series of the route
sleep 0.5
callgrind_control -z "$pid" >/dev/null
report="$(reads "$DURATION")"
sleep 0.5
callgrind_control -d "$pid" >/dev/null
requests="$(awk '/requests in/ {print $1}' <<<"$report")"
profile="$(find "$work" -name "callgrind.$pid*" -printf "%T@ %p\n" | sort -rn | head -1 | cut -d" " -f2)"
callgrind_annotate --inclusive=yes --threshold=100 "$profile" >"$work/inclusive.txt" 2>/dev/null

# Inclusive instructions of the functions named, divided by the requests. Every group
# lists functions that do not call one another on a read's path, so nothing counts twice.
python3 - "$work/inclusive.txt" "$requests" >"$work/split" <<'PY'
import re
import sys
text, requests = open(sys.argv[1]).read(), int(sys.argv[2])
total = int(re.search(r"^([\d,]+) \(100\.0+%\)\s+PROGRAM TOTALS", text, re.M).group(1).replace(",", ""))
costs = {}
for count, name in re.findall(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*?:(.+?) \[", text, re.M):
    costs[name] = costs.get(name, 0) + int(count.replace(",", ""))

def inclusive(pattern):
    return sum(c for name, c in costs.items() if re.match(pattern, name))

access = r"platform::http::detail::AccessLog::"
metrics = (inclusive(r"platform::metrics::(Counter|Gauge|Histogram|Registry)::")
           + inclusive(access + r"(request_counter|duration_histogram)\("))
tracing = inclusive(access + r"finish_span\(") + inclusive(r"platform::http::detail::make_trace\(")
# The line itself: record() without what it calls for the metrics and the span (the
# counter's inc() is also called elsewhere, a few instructions a read at most).
access_line = (inclusive(access + r"record\(") - inclusive(access + r"finish_span\(")
               - inclusive(access + r"(request_counter|duration_histogram)\(")
               - inclusive(r"platform::metrics::(Counter::inc|Histogram::observe)\("))
for label, value in (("total", total), ("metrics", metrics), ("tracing", tracing),
                     ("access", access_line)):
    print(label, round(value / requests), f"{value / total * 100:.1f}")
PY
figure() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' "$work/split"; }

section="$work/section.md"
{
  echo "### Where a read's instructions go — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo | awk '{print $1, $2}')), $(. /etc/os-release && echo "$PRETTY_NAME"), $(valgrind --version)."
  echo "Command: \`DURATION=$DURATION CONNECTIONS=$CONNECTIONS scripts/bench/instrumentation.sh\` (release build under callgrind; the subject-service on SQLite with 1,000 subjects, read by random id, wrk -t1 -c$CONNECTIONS; every trace sampled, log level info; $requests reads counted; user-space instructions of all the service's threads, the kernel's excluded)."
  echo
  echo "| per read | instructions | share |"
  echo "|---|---:|---:|"
  echo "| everything | $(figure total 2) | 100 % |"
  echo "| metrics (counters, histograms, gauges, series look-ups) | $(figure metrics 2) | $(figure metrics 3) % |"
  echo "| tracing (trace context, the server span and its JSON line) | $(figure tracing 2) | $(figure tracing 3) % |"
  echo "| the access log line | $(figure access 2) | $(figure access 3) % |"
  echo
} >"$section"
cat "$section"
write_doc_section instrumentation "What instrumentation costs" "$section"

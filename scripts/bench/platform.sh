#!/usr/bin/env bash
# A realistic load mix through the api-gateway, on SQLite and on PostgreSQL: the whole
# platform started by `sylctl up` in a temporary directory (every service at its defaults,
# but the gateway's rate limit raised out of the way), seeded through the gateway, then
# driven by many distinct users (tokens) with
#   browse syllabi 35% + search syllabi 35%   (the issue's "browse and search" 70%)
#   read one syllabus expanded 20%
#   writes 8% (edit a draft, create a draft syllabus, create a subject)
#   uploads 2% (a PDF, multipart, to /api/v1/files)
# One wrk per operation (scripts/bench/platform/*.lua), each pacing itself with delay() so
# that together they offer a total rate in the mix's proportions. The rate steps up (a
# warm-up first, unmeasured) until the mix's p99 passes 50 ms, the platform no longer keeps
# up with the offered rate, or more than 1% fails, twice in a row; the knee is the highest
# step that did none of these. Prints a markdown section: per database the ramp, the
# operations' p50/p99 and errors at the knee, RSS per service; and a chart
# (scripts/bench/platform/chart.py) of throughput and p99 against offered load.
#
#   scripts/bench/platform.sh [--quick] [--write] [--db sqlite|postgresql|both] [--keep DIR]
#     --quick   a smoke run: small seed, 3 steps of 2 s
#     --write   update "## Platform load mix" in docs/benchmarks.md and
#               docs/benchmarks/platform.svg
#     --keep    copy the raw figures, wrk's reports and the services' logs to DIR
#   Settings (environment): STEPS ("100 200 300 ... 800 1000 1200 1600 ... 3200"),
#   STEP_SECONDS (10), WARMUP_SECONDS (5), P99_LIMIT_MS (50), MIN_RATIO (0.9: achieved
#   over offered), STOP_AFTER (2 failed steps in a row), VIEWERS (400), EDITORS (100),
#   SUBJECTS (300: two syllabi each), UPLOAD_KIB (100), BUILD_DIR (build/release: the
#   release build is used as it is, never built here).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
source scripts/lib/postgres.sh

quick=0
write=0
databases="sqlite postgresql"
keep=""
arguments=""     # as given, but --keep's directory
usage() { sed -n '/^#   scripts/,/^#   release build/p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; arguments+=" --quick" ;;
    --write) write=1; arguments+=" --write" ;;
    --db)
      shift
      case "${1:-}" in
        sqlite | postgresql) databases="$1" ;;
        both) databases="sqlite postgresql" ;;
        *) usage >&2; exit 2 ;;
      esac
      arguments+=" --db $1" ;;
    --keep) shift; keep="${1:?--keep needs a directory}" ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  STEPS="${STEPS:-100 200 400}"
  STEP_SECONDS="${STEP_SECONDS:-2}"
  WARMUP_SECONDS="${WARMUP_SECONDS:-2}"
  VIEWERS="${VIEWERS:-40}"
  EDITORS="${EDITORS:-10}"
  SUBJECTS="${SUBJECTS:-40}"
fi
STEPS="${STEPS:-100 200 300 400 500 600 700 800 1000 1200 1600 2000 2400 3200}"
STEP_SECONDS="${STEP_SECONDS:-10}"
WARMUP_SECONDS="${WARMUP_SECONDS:-5}"
P99_LIMIT_MS="${P99_LIMIT_MS:-50}"
MIN_RATIO="${MIN_RATIO:-0.9}"
STOP_AFTER="${STOP_AFTER:-2}"
VIEWERS="${VIEWERS:-400}"
EDITORS="${EDITORS:-100}"
SUBJECTS="${SUBJECTS:-300}"
UPLOAD_KIB="${UPLOAD_KIB:-100}"
RATE_LIMIT=1000000

# The mix: operation, percent of the offered rate.
operations=(browse search read write upload)
shares=(35 35 20 8 2)
services=(config-service subject-service file-service syllabus-service api-gateway)

build="$(realpath "${BUILD_DIR:-build/release}")"
sylctl="$build/tools/sylctl/sylctl"
for binary in "$sylctl" "${services[@]/#/$build/services/}"; do
  [ -d "$binary" ] && binary="$binary/$(basename "$binary")"
  [ -x "$binary" ] || { echo "missing $binary: build the release preset first" >&2; exit 1; }
done
for tool in wrk python3 curl redis-server; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
case " $databases " in
  *" postgresql "*) [ -x "$(pg_bin_dir)/initdb" ] || { echo "PostgreSQL is needed" >&2; exit 1; } ;;
esac

# Other work on the machine takes the cores from the platform: say so before measuring.
busy="$(awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8}' /proc/stat)"
sleep 1
busy="$(awk -v b="$busy" -v t="$(getconf CLK_TCK)" '$1 == "cpu" {printf "%.2f", ($2 + $3 + $4 + $7 + $8 - b) / t}' /proc/stat)"
if awk -v b="$busy" 'BEGIN {exit !(b > 0.3)}'; then
  echo "warning: the machine is busy before the benchmark ($busy cores in use): the figures will be low" >&2
fi

lib="$(pwd)/scripts/bench/platform"
work="$(mktemp -d /tmp/sylbench.XXXXXX)"
platform_dir=""   # the running platform's directory (sylctl works on its var/)
pg_dir=""         # the running PostgreSQL cluster's
wrk_pids=()
cleanup() {
  local status=$?
  for pid in "${wrk_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${wrk_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$platform_dir" ]; then (cd "$platform_dir" && "$sylctl" down >/dev/null 2>&1) || true; fi
  if [ -n "$pg_dir" ]; then pg_stop "$pg_dir"; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A port base below the ephemeral range with the gateway (base - 20), the four services
# (base ... base + 3) and Redis (base + 10) free.
pick_ports() {
  local offset
  while :; do
    port_base=$(( 21000 + RANDOM % 11000 ))
    for offset in -20 0 1 2 3 10; do
      port_free $(( port_base + offset )) || continue 2
    done
    return 0
  done
}

# A syllabus PDF as uploaded: a PDF header, then UPLOAD_KIB of incompressible bytes (as
# a PDF's compressed streams are).
pdf="$work/syllabus.pdf"
{ printf '%%PDF-1.5\n%%\xe2\xe3\xcf\xd3\n'; head -c $(( UPLOAD_KIB * 1024 - 32 )) /dev/urandom; printf '\n%%%%EOF\n'; } >"$pdf"

# run_mix RATE SECONDS DIR TAG YEAR: the five wrk at once, offering RATE requests/s in
# the mix's proportions for SECONDS; each writes DIR/<operation>.json and .txt.
run_mix() {
  local rate="$1" seconds="$2" dir="$3" tag="$4" year="$5" i op op_rate connections
  mkdir -p "$dir"
  wrk_pids=()
  for i in "${!operations[@]}"; do
    op="${operations[$i]}"
    op_rate="$(awk -v r="$rate" -v s="${shares[$i]}" 'BEGIN {printf "%g", r * s / 100}')"
    # Enough connections to offer the rate with up to 100 ms per request.
    connections="$(awk -v r="$op_rate" 'BEGIN {c = int(r / 10 + 0.999); print (c < 4) ? 4 : c}')"
    BENCH_LIB="$lib" BENCH_DATA="$data_lua" BENCH_TOKENS="$tokens_lua" BENCH_RATE="$op_rate" \
      BENCH_OP="$op" BENCH_OUT="$dir/$op.json" BENCH_TAG="$tag" BENCH_YEAR="$year" \
      BENCH_UPLOAD_FILE="$pdf" \
      wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s --latency -s "$lib/$op.lua" \
      "http://127.0.0.1:$gateway_port" >"$dir/$op.txt" 2>&1 &
    wrk_pids+=("$!")
  done
  # CPU from 0.2 s after the start to 0.5 s before the end: every wrk is running.
  local started end_at
  started="$(now_ns)"
  sleep 0.2
  sample_cpu >"$dir/cpu-begin.txt"
  end_at=$(( started + $(awk -v s="$seconds" 'BEGIN {printf "%d", (s - 0.5) * 1e9}') ))
  sleep "$(awk -v n="$(now_ns)" -v e="$end_at" 'BEGIN {d = (e - n) / 1e9; print (d > 0) ? d : 0}')"
  sample_cpu >"$dir/cpu-end.txt"
  local failed=0
  for pid in "${wrk_pids[@]}"; do wait "$pid" || failed=1; done
  wrk_pids=()
  for op in "${operations[@]}"; do [ -s "$dir/$op.json" ] || failed=1; done
  if [ "$failed" = 1 ]; then
    echo "a wrk failed:" >&2
    tail -n 5 "$dir"/*.txt >&2
    return 1
  fi
}

# RSS now and its peak (VmHWM) for each service and the platform's Redis, in kB.
sample_rss() {
  local name pid
  for name in "${services[@]}" redis; do
    pid="$(cat "$platform_dir/var/run/$name.pid" 2>/dev/null || true)"
    if [ -z "$pid" ] || [ ! -r "/proc/$pid/status" ]; then continue; fi
    awk -v n="$name" '/^VmRSS/ {r = $2} /^VmHWM/ {h = $2} END {print n, r, h}' "/proc/$pid/status"
  done
}

# CPU time so far (clock ticks) of each service, the platform's Redis, the PostgreSQL
# cluster (all its processes), the wrk processes and the whole machine; the first line is
# the wall clock (ns).
sample_cpu() {
  local name pid pids
  now_ns
  for name in "${services[@]}" redis; do
    pid=""
    read -r pid 2>/dev/null <"$platform_dir/var/run/$name.pid" || true
    if [ -n "$pid" ]; then echo "$name $(cpu_ticks "$pid")"; fi
  done
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    read -r pid <"$pg_dir/data/postmaster.pid"
    mapfile -t pids < <(ps --ppid "$pid" -o pid=)
    echo "postgresql $(cpu_ticks "$pid" "${pids[@]}")"
  fi
  if [ "${#wrk_pids[@]}" -gt 0 ]; then echo "wrk $(cpu_ticks "${wrk_pids[@]}")"; fi
  awk '$1 == "cpu" {print "machine", $2 + $3 + $4 + $7 + $8}' /proc/stat
}
# cpu_ticks PID...: user + system time of the processes (their finished children included).
cpu_ticks() {
  local pid files=()
  for pid in "$@"; do
    pid="${pid// /}"
    if [ -r "/proc/$pid/stat" ]; then files+=("/proc/$pid/stat"); fi
  done
  if [ "${#files[@]}" -eq 0 ]; then echo 0; return; fi
  awk '{sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15} END {print t + 0}' "${files[@]}" 2>/dev/null || echo 0
}

# run_database sqlite|postgresql: up, seed, warm up, ramp, down. Leaves
# $work/<database>.jsonl (a line per step).
run_database() {
  local database="$1" up_env=() step=0 failures=0 verdict rate
  platform_dir="$work/$database"
  mkdir -p "$platform_dir"
  if [ "$database" = postgresql ]; then
    pg_dir="$work/pg"
    pg_start "$pg_dir"
    for service in "${services[@]}"; do
      "$(pg_bin_dir)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "platform_${service//-/_}"
    done
    up_env+=("SYL_DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/platform_{service}")
  fi
  pick_ports
  gateway_port=$(( port_base - 20 ))
  echo "$database: sylctl up (gateway on $gateway_port)" >&2
  if ! (cd "$platform_dir" && env "${up_env[@]}" \
      SYL_RATELIMIT_DEFAULT_RPS="$RATE_LIMIT" SYL_RATELIMIT_DEFAULT_BURST="$RATE_LIMIT" \
      "$sylctl" up --build-dir "$build" --port-base "$port_base" --redis-port $(( port_base + 10 )) \
      >"$work/$database-up.log" 2>&1); then
    cat "$work/$database-up.log" >&2
    exit 1
  fi

  # Many distinct users: viewers read, editors read and write.
  tokens_lua="$platform_dir/tokens.lua"
  local editors_txt="$platform_dir/editors.txt" admin
  mint() { (cd "$platform_dir" && "$sylctl" token --sub "$1" --roles "$2" --ttl 2h); }
  : >"$editors_txt"
  { echo "viewers = {"
    for i in $(seq 1 "$VIEWERS"); do printf '  "%s",\n' "$(mint "viewer$i" viewer)"; done
    echo "}"
    echo "editors = {"
    for i in $(seq 1 "$EDITORS"); do
      mint "editor$i" editor | tee -a "$editors_txt" | sed 's/.*/  "&",/'
    done
    echo "}"; } >"$tokens_lua"
  admin="$(mint admin1 admin)"

  data_lua="$platform_dir/data.lua"
  python3 "$lib/seed.py" --port "$gateway_port" --editors "$editors_txt" --admin "$admin" \
    --pdf "$pdf" --subjects "$SUBJECTS" --out "$data_lua" 2>"$work/$database-seed.log" ||
    { cat "$work/$database-seed.log" >&2; exit 1; }
  seeded="$(tail -n 1 "$work/$database-seed.log")"
  echo "$database: $seeded" >&2

  local first_rate="${STEPS%% *}"
  echo "$database: warm-up, $WARMUP_SECONDS s at $first_rate requests/s" >&2
  run_mix "$first_rate" "$WARMUP_SECONDS" "$work/$database-warmup" WU 2090
  results="$work/$database.jsonl"
  : >"$results"
  for rate in $STEPS; do
    step=$(( step + 1 ))
    local dir="$work/$database-step$step"
    run_mix "$rate" "$STEP_SECONDS" "$dir" "$(printf 'S%02d' "$step")" $(( 2100 + 20 * step ))
    sample_rss >"$dir/rss.txt"
    verdict="$(python3 "$lib/results.py" step "$dir" --step "$step" --offered "$rate" \
      --limit-ms "$P99_LIMIT_MS" --min-ratio "$MIN_RATIO" --out "$results")"
    if [ "$verdict" = pass ]; then failures=0; else failures=$(( failures + 1 )); fi
    [ "$failures" -lt "$STOP_AFTER" ] || break
    sleep 1
  done

  if [ -n "$keep" ]; then
    mkdir -p "$keep/$database"
    cp -r "$results" "$work/$database"-step* "$work/$database-warmup" "$work/$database-seed.log" \
      "$platform_dir/var/log" "$keep/$database/"
  fi
  (cd "$platform_dir" && "$sylctl" down >/dev/null)
  platform_dir=""
  if [ -n "$pg_dir" ]; then pg_stop "$pg_dir"; pg_dir=""; fi
}

label() { if [ "$1" = sqlite ]; then echo SQLite; else echo PostgreSQL; fi; }
seeds=()
for database in $databases; do
  run_database "$database"
  seeds+=("$(label "$database"): $seeded")
done

# The chart, then the section.
chart_args=()
for database in $databases; do chart_args+=("$(label "$database")=$work/$database.jsonl"); done
python3 "$lib/chart.py" "$work/platform.svg" --limit-ms "$P99_LIMIT_MS" "${chart_args[@]}"

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
pg_version="$("$(pg_bin_dir)/postgres" --version 2>/dev/null | awk '{print $3}' || true)"
rate_limit_text="$(sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$RATE_LIMIT")"
postgresql_text="PostgreSQL (a throwaway cluster at its default settings, a database per service)"
case "$databases" in
  sqlite) backends_text="on SQLite files" ;;
  postgresql) backends_text="on $postgresql_text" ;;
  *) backends_text="on SQLite files, then on $postgresql_text" ;;
esac
settings="STEP_SECONDS=$STEP_SECONDS WARMUP_SECONDS=$WARMUP_SECONDS STEPS=\"$STEPS\" VIEWERS=$VIEWERS EDITORS=$EDITORS SUBJECTS=$SUBJECTS UPLOAD_KIB=$UPLOAD_KIB"
{
  echo "### Platform load mix through the gateway — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); wrk, the five services, Redis$(case " $databases " in *" postgresql "*) echo " and PostgreSQL $pg_version" ;; esac) on the same machine."
  echo "Command: \`scripts/bench/platform.sh$arguments\` ($settings; release build)."
  echo
  echo "The platform as \`sylctl up\` runs it, in a temporary directory: Redis, the config-, subject-, file- and syllabus-service and the api-gateway, each at its defaults (log level info, every request traced, its spans logged), $backends_text. One exception: the gateway's rate limit is raised to $rate_limit_text requests/s per caller with bursts of $rate_limit_text (\`SYL_RATELIMIT_DEFAULT_RPS\`, \`_BURST\`), so that the benchmark measures the platform, not the limiter (at the default 50/s per caller it would answer 429 instead)."
  echo
  echo "Seeded through the gateway by editors (\`scripts/bench/platform/seed.py\`): $SUBJECTS subjects, 20 syllabus PDFs of $UPLOAD_KIB KiB, two syllabi per subject (autumn and spring 2026/2027) with three outcomes, a six-week schedule, three assessments, an instructor and a PDF, three in four submitted by their author and published by another editor, the rest left as drafts. Users: $VIEWERS viewers and $EDITORS editors, each with its own token (\`sylctl token\`); every request picks one at random (reads among all of them, writes and uploads among the editors)."
  echo
  echo "The mix (one wrk per operation, \`wrk -t1 --timeout 5s\`, scripts in \`scripts/bench/platform/\`): browse syllabi 35% (the first page of the list, filtered by status, term, year or subject, or a later page by cursor), search syllabi 35% (full text for one of 40 topics, 20 ranked results), read one syllabus expanded 20% (\`?expand=subject,files\`), writes 8% (a merge patch of a draft's summary 4%, a new draft syllabus 2%, a new subject 2%), uploads 2% (the PDF as \`multipart/form-data\`). Each wrk paces itself with \`delay()\` on a schedule of its share of the offered rate (connections: its rate / 10, at least 4, so up to 100 ms per request can be carried at the full rate); a connection that is late is not caught up, so the achieved rate falls behind the offered one when the platform saturates. Latency is wrk's, from writing a request to its answer. Each step runs $STEP_SECONDS s after a $WARMUP_SECONDS s warm-up at the first rate; the mix's p50 and p99 merge the operations' percentiles weighted by their requests. A step fails when its p99 passes $P99_LIMIT_MS ms, it achieves less than $(awk -v r="$MIN_RATIO" 'BEGIN {printf "%d%%", r * 100}') of the offered rate, or more than 1% of its requests fail (an answer of 400 or more, or a socket error); the ramp stops after $STOP_AFTER failed steps in a row, and the knee is the highest step that passed."
  echo
  knees=()
  for database in $databases; do
    knees+=("$(label "$database") $(python3 "$lib/results.py" knee "$work/$database.jsonl")")
  done
  joined="$(printf '%s; ' "${knees[@]}")"
  echo "Knee: ${joined%; }."
  echo
  echo "![Throughput and p99 against offered load](benchmarks/platform.svg)"
  echo
  for database in $databases; do
    python3 "$lib/results.py" markdown "$work/$database.jsonl" --label "$(label "$database")" \
      --limit-ms "$P99_LIMIT_MS"
  done
} >"$work/section.md"
cat "$work/section.md"
for line in "${seeds[@]}"; do echo "($line)" >&2; done

if [ -n "$keep" ]; then cp "$work/section.md" "$work/platform.svg" "$keep/"; fi
if [ "$write" = 1 ]; then
  mkdir -p docs/benchmarks
  cp "$work/platform.svg" docs/benchmarks/platform.svg
  WRITE_DOCS=1 write_doc_section platform "Platform load mix" "$work/section.md"
  echo "(written to docs/benchmarks.md and docs/benchmarks/platform.svg)" >&2
else
  echo "(not written: --write updates docs/benchmarks.md and docs/benchmarks/platform.svg)" >&2
fi

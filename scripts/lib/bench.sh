# Shared by the benchmark commands. Source it, then:
#   write_doc_section NAME HEADING FILE
#   free_port, now_ns
#   bench_workdir       a scratch directory in `work`, removed at exit together with the
#                       processes the script adds to `pids` and the Redis of start_redis
#   build_dir           the release build to measure: BUILD_DIR (another checkout's
#                       build, for a before/after comparison) or this tree's, built now
#   start_redis DIR     a throwaway Redis (memory only) on a free loopback port;
#                       sets redis_port and redis_pid, logs to DIR/redis.log
#   seed_subjects PORT PREFIX COUNT IDS_FILE    subjects to read, their ids for wrk
#   wrk_figures         wrk's report -> "requests/s p50_ms p99_ms non2xx"
#   median, column_median FILE N
# replaces what stands between <!-- NAME:begin --> and <!-- NAME:end --> in
# docs/benchmarks.md with FILE's text (adding "## HEADING" and the markers if missing).
write_doc_section() {
  local write="${WRITE_DOCS:-}"
  if [ -z "$write" ]; then
    if [ -n "${BUILD_DIR:-}" ]; then write=0; else write=1; fi
  fi
  if [ "$write" != 1 ]; then
    echo "(not written to docs/benchmarks.md)" >&2
    return 0
  fi
  python3 - "$1" "$2" "$3" <<'PY'
import sys
name, heading, section_path = sys.argv[1:4]
section = open(section_path).read()
path = "docs/benchmarks.md"
text = open(path).read()
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
if begin not in text:
    text += f"\n## {heading}\n\n{begin}\n{end}\n"
start, stop = text.find(begin), text.find(end)
text = text[:start] + begin + "\n" + section + text[stop:]
open(path, "w").write(text)
PY
}

bench_workdir() {
  work="$(mktemp -d /tmp/sylbench.XXXXXX)"
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "${redis_pid:-}" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

# A loopback port nothing listens on now (the caller binds it soon after).
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}

# Nanoseconds since the epoch, for durations.
now_ns() { date +%s%N; }

# A throwaway Redis, memory only, on a free loopback port. Sets redis_port and redis_pid;
# the caller stops it (kill "$redis_pid") in its cleanup.
start_redis() {
  local dir="$1"
  redis_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --loglevel warning >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 1000); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$redis_pid" 2>/dev/null; then cat "$dir/redis.log" >&2; return 1; fi
    sleep 0.01
  done
  echo "redis-server did not start" >&2
  return 1
}

# The release build to measure: $BUILD_DIR as it is, or this tree's, brought up to date.
# Benchmarks write docs/benchmarks.md only for this tree's build unless WRITE_DOCS=1.
build_dir() {
  if [ -n "${BUILD_DIR:-}" ]; then
    realpath "$BUILD_DIR"
  else
    scripts/build.sh release >/dev/null
    realpath build/release
  fi
}

# seed_subjects PORT PREFIX COUNT IDS_FILE [DEPARTMENTS]: creates COUNT subjects directly
# on the subject-service at PORT (codes PREFIX-0001..., one curl process and one
# keep-alive connection; with DEPARTMENTS, spread over "Dept 0"...), then writes every
# subject id to IDS_FILE as the Lua table the wrk scripts read (`ids = {"...", ...}`).
seed_subjects() {
  local port="$1" prefix="$2" count="$3" ids="$4" departments="${5:-0}" config cursor page
  local department
  config="$(mktemp)"
  for i in $(seq 1 "$count"); do
    if [ "$i" -gt 1 ]; then echo "next" >>"$config"; fi
    department=""
    if [ "$departments" -gt 0 ]; then
      department="$(printf ',\\"department\\":\\"Dept %d\\"' $(( i % departments )))"
    fi
    printf 'url = "http://127.0.0.1:%s/subjects"\nheader = "Content-Type: application/json"\ndata = "{\\"code\\":\\"%s-%04d\\",\\"name\\":\\"Subject %d\\",\\"credits\\":5%s}"\noutput = "/dev/null"\n' \
      "$port" "$prefix" "$i" "$i" "$department" >>"$config"
  done
  curl -s -K "$config"
  rm -f "$config"
  echo "ids = {" >"$ids"
  cursor=""
  while :; do
    page="$(curl -sf "http://127.0.0.1:$port/subjects?limit=200${cursor:+&cursor=$cursor}")"
    grep -o '"id":"[0-9a-f-]*"' <<<"$page" | sed 's/"id":\("[^"]*"\)/\1,/' >>"$ids"
    cursor="$(grep -o '"next_cursor":"[^"]*"' <<<"$page" | sed 's/.*:"\(.*\)"/\1/' || true)"
    [ -n "$cursor" ] || break
  done
  echo "}" >>"$ids"
}

# wrk_figures: wrk --latency's report on stdin -> "requests/s p50_ms p99_ms non2xx".
wrk_figures() {
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v + 0
    }
    /^Requests\/sec/ { rps = int($2) }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses/ { errors = $5 }
    END { printf "%d %.3f %.3f %d\n", rps, p50, p99, errors + 0 }'
}

# median: the middle of the numbers on stdin (one a line).
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# column_median FILE N: the median of column N of FILE.
column_median() { awk -v c="$2" '{print $c}' "$1" | median; }

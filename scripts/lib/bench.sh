# Shared by the benchmark commands. Source it, then:
#   write_doc_section NAME HEADING FILE
#   free_port, now_ns
#   build_dir           the release build to measure: BUILD_DIR (another checkout's
#                       build, for a before/after comparison) or this tree's, built now
#   start_redis DIR     a throwaway Redis (memory only) on a free loopback port;
#                       sets redis_port and redis_pid, logs to DIR/redis.log
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

# Shared by the benchmark commands. Source it, then:
#   write_doc_section NAME HEADING FILE
#   free_port, now_ns
#   start_redis DIR     a throwaway Redis (memory only) on a free loopback port;
#                       sets redis_port and redis_pid, logs to DIR/redis.log
# replaces what stands between <!-- NAME:begin --> and <!-- NAME:end --> in
# docs/benchmarks.md with FILE's text (adding "## HEADING" and the markers if missing).
write_doc_section() {
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

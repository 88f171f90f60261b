# Shared by the benchmark commands. Source it, then:
#   write_doc_section NAME HEADING FILE
#   free_port, now_ns
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

#!/usr/bin/env bash
# Benchmarks the migration from the monolith (issue 14): a generated legacy database of
# 10,000 subjects, 50,000 syllabi and 5,000 files of 1 MiB on average (SQLite; clean, so
# that every row is imported), split into a local platform (`sylctl up`, release build,
# SQLite) through the api-gateway, then verified. Writes rows/s, MB/s and the times to
# docs/benchmarks.md (target: split and verify together under 5 minutes).
#   scripts/bench/migration.sh
#   SUBJECTS=1000 SYLLABI=5000 FILES=500 WRITE_DOCS=0 scripts/bench/migration.sh   (smaller)
#   DIRTY=1 scripts/bench/migration.sh      (with the generator's dirt: some rows quarantined)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
root="$(pwd)"
SUBJECTS="${SUBJECTS:-10000}"
SYLLABI="${SYLLABI:-50000}"
FILES="${FILES:-5000}"
FILE_KIB="${FILE_KIB:-1024}"
DIRTY="${DIRTY:-0}"
WORKERS="${WORKERS:-4}"

scripts/install-deps.sh >/dev/null
build="$(build_dir)"
sylctl="$build/tools/sylctl/sylctl"
sylmigrate="$build/tools/sylmigrate/sylmigrate"
[ -x "$sylmigrate" ] || { echo "no $sylmigrate after the release build" >&2; exit 1; }

work="$(mktemp -d /tmp/sylmigbench.XXXXXX)"
cleanup() {
  (cd "$work" && "$sylctl" down >/dev/null 2>&1) || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

seconds_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'; }

clean_flag=(--clean)
[ "$DIRTY" = 1 ] && clean_flag=()
start="$(now_ns)"
"$sylmigrate" generate --to-database "sqlite://$work/legacy.db" --uploads "$work/uploads" \
  --subjects "$SUBJECTS" --syllabi "$SYLLABI" --files "$FILES" --file-kib "$FILE_KIB" \
  "${clean_flag[@]}" >/dev/null
generate_s="$(seconds_since "$start")"
legacy_mb="$(du -sm "$work/uploads" | cut -f1)"

# The platform on free ports: the gateway at base-20, the services above base.
base="$(free_port)"
while [ "$base" -lt 21000 ] || [ "$base" -gt 59000 ]; do base="$(free_port)"; done
"$sylctl" up --build-dir "$build" --port-base "$base" --redis-port "$((base + 10))" >/dev/null
gateway="http://127.0.0.1:$((base - 20))"
export SYL_TOKEN="$("$sylctl" token --sub migrator --roles admin --ttl 2h)"

start="$(now_ns)"
"$sylmigrate" split --from "sqlite://$work/legacy.db" --uploads "$work/uploads" --to "$gateway" \
  --report "$work/report" --workers "$WORKERS" >"$work/split.out" 2>"$work/split.err"
split_s="$(seconds_since "$start")"
start="$(now_ns)"
"$sylmigrate" verify --from "sqlite://$work/legacy.db" --uploads "$work/uploads" --to "$gateway" \
  --report "$work/report" >"$work/verify.out" 2>"$work/verify.err" || {
  echo "verify did not validate:" >&2; cat "$work/verify.out" >&2; exit 1; }
verify_s="$(seconds_since "$start")"
cat "$work/split.out" "$work/verify.out"

# The last progress line of each phase: "<phase> n/n <unit>, R <unit>/s[, M MB/s], Ts".
phase() { grep "^$1 " "$work/$2" | tail -n 1 | sed -E 's/^[a-z]+ +//'; }
machine="$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")"
total="$(awk -v a="$split_s" -v b="$verify_s" 'BEGIN {printf "%.1f", a + b}')"
met="$(awk -v t="$total" 'BEGIN {print (t < 300) ? "met" : "**not met**"}')"
section="$work/section.md"
{
  echo "Measured $(date -u +%Y-%m-%d) with \`scripts/bench/migration.sh\` (release build, SQLite, local storage; the platform as \`sylctl up\` runs it, every call through the api-gateway). Machine: $machine; the tool, the platform and Redis on the same machine."
  echo
  echo "Legacy data (\`sylmigrate generate$([ "$DIRTY" = 1 ] || echo " --clean")\`, made in ${generate_s} s): $SUBJECTS subjects, $SYLLABI syllabi, $FILES files of ${FILE_KIB} KiB on average ($legacy_mb MB)."
  echo
  echo "| step | figures |"
  echo "|---|---|"
  echo "| split: subjects | $(phase subjects split.err) |"
  echo "| split: files ($WORKERS at once) | $(phase files split.err) |"
  echo "| split: syllabi | $(phase syllabi split.err) |"
  echo "| split, in all | ${split_s} s |"
  echo "| verify (rows compared, every file read back and hashed) | ${verify_s} s; files $(phase verifying verify.err) |"
  echo "| split and verify | **${total} s** (target: under 300 s: $met) |"
  echo
  echo "Verify's verdict:"
  echo
  echo '```'
  grep -E "^(subjects|files|syllabi):" "$work/verify.out"
  echo '```'
} >"$section"
cat "$section"
cd "$root"
write_doc_section migration "Migration from the monolith (sylmigrate)" "$section"

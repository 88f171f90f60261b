#!/usr/bin/env bash
# Measures build times and writes them to docs/benchmarks.md: a clean build of the CI
# preset (tests included) and of the release preset with ccache off, the same with a
# warm ccache, and one-file rebuilds (a service handler; the Beast server's connection loop).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/bench.sh
root="$(pwd)"
work="$(mktemp -d /tmp/sylbuild.XXXXXX)"
trap 'rm -rf "$work"' EXIT

seconds() { local start=$1; echo "$(( ($(date +%s%N) - start) / 1000000 ))" | awk '{printf "%.1f", $1/1000}'; }

measure() {  # measure <label> <build dir> <cmake args...>; prints the row
  local label="$1" dir="$2"; shift 2
  cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
  local start; start=$(date +%s%N)
  ninja -C "$dir" >/dev/null
  echo "$(seconds "$start")"
}

rows=()
clean_ci=$(CCACHE_DISABLE=1 measure ci "$work/ci" -DCMAKE_BUILD_TYPE=Debug -DSYL_WERROR=ON)
rows+=("| clean build, CI preset (Debug, all tests), ccache off | ${clean_ci} s |")
clean_release=$(CCACHE_DISABLE=1 measure release "$work/release" -DCMAKE_BUILD_TYPE=Release -DSYL_BUILD_TESTS=OFF)
rows+=("| clean build, release preset (-O2, no tests), ccache off | ${clean_release} s |")
# Prime ccache with one build, then time a clean rebuild that hits it.
ninja -C "$work/ci" -t clean >/dev/null
ninja -C "$work/ci" >/dev/null
ninja -C "$work/ci" -t clean >/dev/null
start=$(date +%s%N); ninja -C "$work/ci" >/dev/null; warm=$(seconds "$start")
rows+=("| clean build, CI preset, warm ccache | ${warm} s |")

for file in services/subject-service/api/subject_api.cpp libs/http/src/server/connection.cpp; do
  for preset in ci release; do
    touch "$file"
    start=$(date +%s%N); CCACHE_DISABLE=1 ninja -C "$work/$preset" >/dev/null; t=$(seconds "$start")
    rows+=("| one-file rebuild ($preset): \`$file\` | ${t} s |")
  done
done

cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
section="$work/section.md"
{
  echo "### Build times — $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $(. /etc/os-release; echo "$PRETTY_NAME"), g++ $(g++ -dumpfullversion), Ninja, mold."
  echo "Command: \`scripts/bench/build-times.sh\`. One-file rebuilds include relinking every binary that depends on the file."
  echo
  echo "| build | time |"
  echo "|---|---:|"
  printf '%s\n' "${rows[@]}"
  echo
} >"$section"
cat "$section"
write_doc_section build "Build" "$section"

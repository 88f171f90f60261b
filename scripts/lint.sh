#!/usr/bin/env bash
# clang-format check and clang-tidy over the project's sources (not generated files).
#   scripts/lint.sh            check both; exit non-zero on findings
#   scripts/lint.sh --fix      reformat in place first
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'libs/*.cpp' 'libs/*.h' 'services/*.cpp' 'services/*.h' 'tools/*.cpp' 'tools/*.h' 'tests/*.cpp' 'tests/*.h')
if [ "${1:-}" = "--fix" ]; then clang-format -i "${files[@]}"; fi
clang-format --dry-run --Werror "${files[@]}"
echo "lint: clang-format clean (${#files[@]} files)"
[ -f build/debug/compile_commands.json ] || cmake --preset debug >/dev/null
mapfile -t sources < <(printf '%s\n' "${files[@]}" | grep '\.cpp$')
run-clang-tidy -quiet -p build/debug -j "$(nproc)" "${sources[@]}" 2>/dev/null | tee /tmp/lint-tidy.log |
  grep -E 'warning:|error:' && { echo "lint: clang-tidy found problems"; exit 1; }
echo "lint: clang-tidy clean"

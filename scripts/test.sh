#!/usr/bin/env bash
# The test command: installs what is missing, builds with tests, starts a throwaway
# PostgreSQL 15 on a free loopback port, runs every test (CTest) and removes the server.
#   scripts/test.sh            the "ci" preset when CI=true, else "debug"
#   scripts/test.sh asan       the sanitizer build
#   extra CTest arguments go after the preset: scripts/test.sh debug -R subject
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

preset="${1:-}"
if [ -z "$preset" ]; then
  if [ "${CI:-}" = "true" ]; then preset=ci; else preset=debug; fi
fi
shift || true

scripts/install-deps.sh
mapfile -t sources < <(git ls-files 'libs/*.cpp' 'libs/*.h' 'services/*.cpp' 'services/*.h' 2>/dev/null)
if [ ${#sources[@]} -gt 0 ]; then
  clang-format --dry-run --Werror "${sources[@]}"
  echo "test: clang-format clean (${#sources[@]} files)"
fi
jobs="$(nproc)"
time_start=$(date +%s)
scripts/build.sh "$preset" -j "$jobs"
echo "test: build took $(( $(date +%s) - time_start )) s"

# --- throwaway servers --------------------------------------------------------------
source scripts/lib/postgres.sh
workdir="$(mktemp -d /tmp/syltest.XXXXXX)"
cleanup() {
  pg_stop "$workdir/pg"
  rm -rf "$workdir"
}
trap cleanup EXIT

# fsync off: a test cluster is thrown away, durability there only costs time.
PG_EXTRA_OPTIONS="-c fsync=off -c max_connections=300" pg_start "$workdir/pg"
export SYLTEST_POSTGRES_URL="$PG_URL"
echo "test: PostgreSQL on 127.0.0.1:${PG_PORT}"

cd "$root/build/$preset"
ctest --output-on-failure -j "$jobs" --timeout 600 "$@"

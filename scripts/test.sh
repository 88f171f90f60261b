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
mapfile -t sources < <(git ls-files 'libs/*.cpp' 'libs/*.h' 'services/*.cpp' 'services/*.h' 'tools/*.cpp' 'tools/*.h' 'tests/*.cpp' 'tests/*.h' 2>/dev/null)
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
source scripts/lib/s3.sh
workdir="$(mktemp -d /tmp/syltest.XXXXXX)"
redis_pid=""
cleanup() {
  pg_stop "$workdir/pg"
  s3_stop "$workdir/s3"
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# fsync off: a test cluster is thrown away, durability there only costs time.
PG_EXTRA_OPTIONS="-c fsync=off -c max_connections=300" pg_start "$workdir/pg"
export SYLTEST_POSTGRES_URL="$PG_URL"
echo "test: PostgreSQL on 127.0.0.1:${PG_PORT}"

# Redis: memory only, loopback only; retried on another port if this one is taken.
for _ in 1 2 3 4 5 6 7 8; do
  redis_port=$(( 20000 + RANDOM % 40000 ))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
    --loglevel warning >"$workdir/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then break 2; fi
    if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
    sleep 0.01
  done
  kill "$redis_pid" 2>/dev/null || true
  redis_pid=""
done
if [ -z "$redis_pid" ]; then echo "test: could not start redis-server"; cat "$workdir/redis.log"; exit 1; fi
export SYLTEST_REDIS_URL="redis://127.0.0.1:${redis_port}"
echo "test: Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:${redis_port}"

# S3-compatible object storage (s3rver from npm) for the file-service's S3 backend.
s3_start "$workdir/s3"
export SYLTEST_S3_URL="$S3_URL"
echo "test: s3rver on ${S3_URL}"

cd "$root/build/$preset"
ctest --output-on-failure -j "$jobs" --timeout 600 "$@"

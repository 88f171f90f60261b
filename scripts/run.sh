#!/usr/bin/env bash
# The run command: installs what is missing, builds the release binaries and runs the
# platform on its embedded defaults (SQLite files under var/). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
mkdir -p var/redis var/log
port="${SYL_HTTP_PORT:-8101}"

# A local Redis for the event streams, unless one is already listening (or another URL
# is configured). Without Redis the service still runs; events wait in its outbox.
redis_pid=""
if [ -z "${SYL_REDIS_URL:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  redis-server --port 6379 --bind 127.0.0.1 --dir "$(pwd)/var/redis" --appendonly yes \
    --save "" --loglevel warning >var/log/redis.log 2>&1 &
  redis_pid=$!
  trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
  echo "run: Redis started on 127.0.0.1:6379 (data in var/redis, log in var/log/redis.log)"
fi
cat <<MSG

subject-service is starting on http://127.0.0.1:${port} (database var/subject-service.db).
Try it from another terminal:
  curl -s -X POST http://127.0.0.1:${port}/subjects -H 'Content-Type: application/json' \\
       -d '{"code":"CS-101","name":"Introduction to Programming","credits":6}'
  curl -s http://127.0.0.1:${port}/subjects
Stop it with Ctrl-C (SIGTERM works too: in-flight requests finish first).

MSG
# Not exec: Redis is stopped when the service exits. SIGTERM or Ctrl-C to this script
# is passed on to the service, which finishes its in-flight requests first.
build/release/services/subject-service/subject-service &
service_pid=$!
trap 'kill -TERM "$service_pid" 2>/dev/null || true' TERM INT
status=0
wait "$service_pid" || status=$?
# A trapped signal interrupts the first wait; wait again for the service to finish.
if kill -0 "$service_pid" 2>/dev/null; then wait "$service_pid" || status=$?; fi
exit "$status"

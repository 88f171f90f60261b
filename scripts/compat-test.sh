#!/usr/bin/env bash
# Expand/contract, proven with real binaries: the previous version of SERVICE keeps
# working on the schema the current one migrates to, as it must while a blue-green deploy
# runs both (docs/deploy.md). The previous version is SERVICE built at REV, by default
# the commit before the last one that changed its migrations. On PostgreSQL and on
# SQLite, the current binary migrates a fresh database; then the previous binary starts
# on it, must be ready, and must answer its reads (and, for the config-service, its
# registry writes).
#   scripts/compat-test.sh SERVICE [REV]
# Brings the release build of SERVICE up to date, and builds REV in a temporary worktree
# (ccache makes a second run quick).
set -Eeuo pipefail
trap 'echo "compat-test: FAILED: line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
root="$(pwd)"

service="${1:?usage: scripts/compat-test.sh SERVICE [REV]}"
case "$service" in
  config-service) read_path=/registry/services ;;
  subject-service) read_path="/subjects?limit=5" ;;
  file-service) read_path="/files?limit=5" ;;
  syllabus-service) read_path="/syllabi?limit=5" ;;
  *) echo "compat-test: $service has no database migrations of its own to check" >&2; exit 2 ;;
esac
rev="${2:-}"
if [ -z "$rev" ]; then
  last="$(git log -1 --format=%H -- "services/$service/migrations" libs/db/migrations)"
  rev="$(git rev-parse "$last^")"
fi
rev="$(git rev-parse --short=12 "$rev")"
current="$root/build/release/services/$service/$service"
scripts/build.sh release "$service" >/dev/null  # up to date with the tree

work="$(mktemp -d /tmp/syllabus-compat.XXXXXX)"
source scripts/lib/postgres.sh
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  pg_stop "$work/pg" 2>/dev/null || true
  git worktree remove --force "$work/previous" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "compat-test: building $service at $rev (the previous version)"
git worktree add --detach "$work/previous" "$rev" >/dev/null 2>&1
(cd "$work/previous" && CCACHE_BASEDIR="$work/previous" scripts/build.sh release "$service" >/dev/null)
previous="$work/previous/build/release/services/$service/$service"

failures=0
token="compat-test-platform-token-0123456789abcdef"
run_on() {  # run_on LABEL DATABASE_URL
  local label="$1" url="$2" port answer status
  SYL_DATABASE_URL="$url" SYL_PLATFORM_TOKEN="$token" "$current" migrate >"$work/migrate.log" 2>&1 || {
    echo "compat-test: FAILED ($label): the current $service could not migrate:" >&2
    cat "$work/migrate.log" >&2
    failures=$((failures + 1))
    return
  }
  port=$(( 20000 + RANDOM % 30000 ))
  SYL_DATABASE_URL="$url" SYL_PLATFORM_TOKEN="$token" SYL_HTTP_PORT="$port" \
    "$previous" serve >"$work/previous-$label.log" 2>&1 &
  server_pid=$!
  status=000
  for _ in $(seq 1 100); do
    status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)"
    [ "$status" = 200 ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$status" != 200 ]; then
    echo "compat-test: FAILED ($label): the previous $service is not ready on the new schema:" >&2
    tail -n 20 "$work/previous-$label.log" >&2
    failures=$((failures + 1))
  else
    answer="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$read_path")"
    if [ "$answer" != 200 ]; then
      echo "compat-test: FAILED ($label): GET $read_path answered $answer" >&2
      failures=$((failures + 1))
    fi
    if [ "$service" = config-service ]; then
      answer="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' \
        -d '{"service":"compat","instance_id":"c-1","url":"http://127.0.0.1:9","colour":"green"}' \
        "http://127.0.0.1:$port/registry/instances")"
      [ "$answer" = 201 ] || { echo "compat-test: FAILED ($label): a registration answered $answer" >&2; failures=$((failures + 1)); }
    fi
    if [ "$failures" -eq 0 ]; then
      echo "compat-test: ok ($label): the previous $service serves on the schema the current one made"
    fi
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_on sqlite "sqlite://$work/compat.db"
pg_start "$work/pg" >/dev/null
run_on postgresql "$PG_URL"

if [ "$failures" -gt 0 ]; then exit 1; fi
echo "compat-test: $service at $rev works on the current schema (SQLite and PostgreSQL)"

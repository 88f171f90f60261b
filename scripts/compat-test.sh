#!/usr/bin/env bash
# Expand/contract, proven with real binaries: the previous version of a service keeps
# working on the schema the current one migrates to, as it must while a blue-green deploy
# runs both (docs/deploy.md). The previous version is the service built at REV, by
# default the commit before the last one that changed its migrations. On PostgreSQL and
# on SQLite, the current binary migrates a fresh database; then the previous binary
# starts on it, must be ready, and must answer its reads (and, for the config-service,
# its registry writes).
#   scripts/compat-test.sh [--preset P] SERVICE [REV]
#   scripts/compat-test.sh [--preset P] --all     every service with migrations (CI)
# Brings build/P (default: release) up to date for the current binaries, and builds each
# previous revision once, in a temporary worktree with the same preset (ccache reuses what
# build/P compiled).
set -Eeuo pipefail
trap 'echo "compat-test: FAILED: line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
root="$(pwd)"

preset=release
if [ "${1:-}" = --preset ]; then preset="${2:?--preset needs a name}"; shift 2; fi
all_services=(config-service subject-service file-service syllabus-service)
read_path_of() {
  case "$1" in
    config-service) echo /registry/services ;;
    subject-service) echo "/subjects?limit=5" ;;
    file-service) echo "/files?limit=5" ;;
    syllabus-service) echo "/syllabi?limit=5" ;;
    *) return 1 ;;
  esac
}
default_rev() {  # the commit before the last change to the service's migrations
  local last
  last="$(git log -1 --format=%H -- "services/$1/migrations" libs/db/migrations)"
  git rev-parse --short=12 "$last^"
}

# The previous versions are in the history: a shallow clone fetches it first.
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
  git fetch -q --unshallow || { echo "compat-test: a shallow clone without its history" >&2; exit 1; }
fi

declare -A rev_of=()
if [ "${1:-}" = --all ]; then
  services=("${all_services[@]}")
  for service in "${services[@]}"; do rev_of[$service]="$(default_rev "$service")"; done
else
  service="${1:?usage: scripts/compat-test.sh [--preset P] SERVICE [REV] | --all}"
  read_path_of "$service" >/dev/null || {
    echo "compat-test: $service has no database migrations of its own to check" >&2; exit 2; }
  services=("$service")
  if [ -n "${2:-}" ]; then rev_of[$service]="$(git rev-parse --short=12 "$2")"
  else rev_of[$service]="$(default_rev "$service")"; fi
fi
scripts/build.sh "$preset" "${services[@]}" >/dev/null  # the current binaries, up to date

work="$(mktemp -d /tmp/syllabus-compat.XXXXXX)"
source scripts/lib/postgres.sh
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  pg_stop "$work/pg" 2>/dev/null || true
  for tree in "$work"/rev-*; do
    if [ -d "$tree" ]; then git worktree remove --force "$tree" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Each previous revision once, with every service that needs it.
declare -A previous_of=()
for rev in $(printf '%s\n' "${rev_of[@]}" | sort -u); do
  targets=()
  for service in "${services[@]}"; do
    [ "${rev_of[$service]}" = "$rev" ] || continue
    if git cat-file -e "$rev:services/$service/CMakeLists.txt" 2>/dev/null; then
      targets+=("$service")
    else
      echo "compat-test: $service did not exist at $rev: no earlier version to keep working"
    fi
  done
  [ "${#targets[@]}" -gt 0 ] || continue
  echo "compat-test: building ${targets[*]} at $rev (the previous version)"
  git worktree add --detach "$work/rev-$rev" "$rev" >/dev/null 2>&1
  (cd "$work/rev-$rev" && scripts/build.sh "$preset" "${targets[@]}" >/dev/null)
  for service in "${targets[@]}"; do
    previous_of[$service]="$work/rev-$rev/build/$preset/services/$service/$service"
  done
done

failures=0
token="compat-test-platform-token-0123456789abcdef"
run_on() {  # run_on SERVICE LABEL DATABASE_URL
  local service="$1" label="$2" url="$3" port answer status read_path current previous
  local failed_before=$failures
  read_path="$(read_path_of "$service")"
  current="$root/build/$preset/services/$service/$service"
  previous="${previous_of[$service]}"
  SYL_DATABASE_URL="$url" SYL_PLATFORM_TOKEN="$token" "$current" migrate >"$work/migrate.log" 2>&1 || {
    echo "compat-test: FAILED ($label): the current $service could not migrate:" >&2
    cat "$work/migrate.log" >&2
    failures=$((failures + 1))
    return
  }
  port=$(( 20000 + RANDOM % 30000 ))
  # In its own directory: what it keeps locally (files, say) stays under $work.
  mkdir -p "$work/$service-$label"
  (cd "$work/$service-$label" && SYL_DATABASE_URL="$url" SYL_PLATFORM_TOKEN="$token" \
    SYL_HTTP_PORT="$port" exec "$previous" serve) >"$work/previous-$label.log" 2>&1 &
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
    if [ "$failures" -eq "$failed_before" ]; then
      echo "compat-test: ($label) the previous $service serves on the schema the current one made"
    fi
  fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

pg_start "$work/pg" >/dev/null
checked=0
for service in "${services[@]}"; do
  [ -n "${previous_of[$service]:-}" ] || continue
  before=$failures
  run_on "$service" sqlite "sqlite://$work/$service.db"
  "$(pg_bin_dir)/psql" -q -d "$PG_URL" -c "CREATE DATABASE compat_${service//-/_}" >/dev/null
  run_on "$service" postgresql "postgresql://postgres@127.0.0.1:${PG_PORT}/compat_${service//-/_}"
  if [ "$failures" -eq "$before" ]; then
    echo "compat-test: $service at ${rev_of[$service]} works on the current schema (SQLite and PostgreSQL)"
  fi
  checked=$((checked + 1))
done

if [ "$failures" -gt 0 ]; then exit 1; fi
echo "compat-test: $checked service(s) checked, all compatible"

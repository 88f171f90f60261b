#!/usr/bin/env bash
# The compose setup end to end, with a real engine: the images built from HEAD (reused
# when images of this revision exist), the stack brought up from deploy/compose with
# PostgreSQL, Redis and S3 in containers (compose.host.yaml: this sandbox's host-only
# network), the platform's journey through the gateway, one service killed and seen to
# come back by itself, then everything torn down: no container, volume or network of the
# run is left. Prints how long the stack took to be healthy and the service to recover.
#   scripts/compose-test.sh [--no-build]
# Needs docker (dockerd is started for this sandbox when none answers), docker-compose,
# curl, openssl and jq; the ports of compose.yaml free on the host.
set -Eeuo pipefail
trap 'echo "compose-test: FAILED: line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
source scripts/lib/containers.sh

build=true
[ "${1:-}" = --no-build ] && build=false
for tool in docker-compose curl openssl jq; do
  command -v "$tool" >/dev/null || { echo "compose-test: $tool is missing" >&2; exit 1; }
done
for port in 5432 6379 9000 8100 8101 8102 8103 8080 9090 9093; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "compose-test: port $port is taken; the stack runs on the host's network" >&2
    exit 1
  fi
done

ensure_engine
ensure_base_image
version="$(sed -n 's/^project(syllabus_platform VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
revision="$(git rev-parse --short=12 HEAD)"
if $build; then
  # The services' images of this revision, else built.
  missing=()
  for service in config-service subject-service file-service syllabus-service api-gateway; do
    engine image inspect "syllabus/$service:$revision" >/dev/null 2>&1 || missing+=("$service")
  done
  if [ ${#missing[@]} -gt 0 ]; then scripts/images.sh "${missing[@]}"; fi
  # Rebuilt every time: the engine's cache makes that quick unless what they copy changed.
  scripts/images.sh --infra
fi

# A copy of deploy/ with its own secrets, and a project name of this run's own.
work="$(mktemp -d /tmp/syllabus-compose.XXXXXX)"
project="sylcompose$$"
compose() {
  docker-compose -p "$project" -f "$work/deploy/compose/compose.yaml" \
    -f "$work/deploy/compose/compose.host.yaml" "$@"
}
cleanup() {
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cp -r deploy "$work/deploy"
rm -rf "$work/deploy/compose/secrets"
"$work/deploy/compose/make-secrets.sh" >/dev/null
export SYL_VERSION="$version"

failures=0
check() {  # check WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    echo "compose-test: ok: $1"
  else
    echo "compose-test: FAILED: $1: expected $2, got $3" >&2
    failures=$((failures + 1))
  fi
}

# Healthy: a container of every service runs, and each reports healthy (all have health
# checks). Grafana is under a profile: not started here.
services=(postgres redis s3 config-service subject-service file-service syllabus-service
          api-gateway prometheus alertmanager)
all_healthy() {
  local ids status service
  for service in "${services[@]}"; do
    [ -n "$(compose ps -q "$service")" ] || return 1
  done
  ids="$(compose ps -q)"
  for id in $ids; do
    status="$(engine inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")"
    [ "$status" = healthy ] || return 1
  done
}
wait_healthy() {  # wait_healthy SECONDS
  local deadline=$((SECONDS + $1))
  while ! all_healthy; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.5
  done
}

started=$(date +%s%N)
if ! compose up -d >"$work/up.log" 2>&1; then
  echo "compose-test: FAILED: docker-compose up:" >&2
  grep -v -i "published ports are discarded" "$work/up.log" >&2 || true
  compose ps >&2
  compose logs --tail=30 >&2
  exit 1
fi
if ! wait_healthy 180; then
  echo "compose-test: FAILED: the stack was not healthy within 180 s" >&2
  compose ps >&2
  compose logs --tail=30 >&2
  exit 1
fi
healthy_ms=$((($(date +%s%N) - started) / 1000000))
echo "compose-test: every container healthy $((healthy_ms / 1000)).$((healthy_ms % 1000 / 100)) s after up"

# A token the gateway accepts: HS256 with the stack's own jwt_secret.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header="$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)"
payload="$(printf '{"sub":"ada","roles":["admin","editor","viewer"],"iss":"syllabus-platform","aud":"syllabus-platform","iat":%d,"exp":%d}' "$now" $((now + 3600)) | b64url)"
secret="$(cat "$work/deploy/compose/secrets/jwt_secret")"
signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)"
auth="Authorization: Bearer $header.$payload.$signature"
api=http://127.0.0.1:8080/api/v1

# The journey: a subject, its document (in S3), a syllabus naming both, published, read
# back and downloaded; all through the gateway.
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "an anonymous read is refused" 401 "$(status "$api/subjects")"
subject="$(curl -sf -H "$auth" -H 'Content-Type: application/json' \
  -d '{"code":"CMP-101","name":"Compilers","credits":6}' "$api/subjects" | jq -r .id)"
check "a subject is created" true "$([ -n "$subject" ] && [ "$subject" != null ] && echo true)"
pdf=$'%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'
printf '%s' "$pdf" >"$work/outline.pdf"
file="$(curl -sf -H "$auth" -H 'Content-Type: application/pdf' --data-binary "@$work/outline.pdf" \
  "$api/files?filename=outline.pdf" | jq -r .id)"
check "a document is uploaded" true "$([ -n "$file" ] && [ "$file" != null ] && echo true)"
syllabus_json="$(jq -n --arg subject "$subject" --arg file "$file" '{
  subject_id: $subject, academic_year: "2026/2027", term: "autumn", title: "Compilers",
  summary: "Lexing, parsing and code generation.", languages: ["en"], ects_credits: 6,
  teaching_mode: "hybrid", workload: {lectures: 26, tutorials: 26, labs: 0, self_study: 108},
  learning_outcomes: [{code: "LO1", statement: "Build a small compiler."}],
  schedule: [{week: 1, title: "Lexing", topics: []}],
  assessments: [{name: "Project", kind: "exam", session: "first", weight_pct: 100,
                 outcome_codes: ["LO1"]}],
  instructors: [{name: "Grace Hopper"}], attachments: [$file],
  body: "# Compilers", visibility: "public"}')"
syllabus="$(curl -sf -H "$auth" -H 'Content-Type: application/json' -d "$syllabus_json" \
  "$api/syllabi" | jq -r .id)"
check "a syllabus naming both is created" true "$([ -n "$syllabus" ] && [ "$syllabus" != null ] && echo true)"
check "it is submitted" 200 "$(status -X POST -H "$auth" "$api/syllabi/$syllabus/submit")"
check "it is published" published \
  "$(curl -s -X POST -H "$auth" "$api/syllabi/$syllabus/publish" | jq -r .status)"
check "it reads back" Compilers "$(curl -s -H "$auth" "$api/syllabi/$syllabus" | jq -r .title)"
link="$(curl -s -H "$auth" "$api/files/$file/download-url" | jq -r .url)"
check "its document downloads through a signed link" "$(sha256sum <"$work/outline.pdf" | cut -d' ' -f1)" \
  "$(curl -s "$link" | sha256sum | cut -d' ' -f1)"

# The data is where it should be: in PostgreSQL's per-service databases, the events in
# Redis' streams.
postgres="$(compose ps -q postgres)"
check "the subject is in PostgreSQL's subject_service database" 1 \
  "$(engine exec "$postgres" psql -h /tmp -U postgres -d subject_service -tAc \
      "SELECT COUNT(*) FROM subjects WHERE code = 'CMP-101'")"
redis="$(compose ps -q redis)"
# The subject's event reached its stream (the outbox relays it within a second or so).
events=0
for _ in $(seq 1 50); do
  events="$(engine exec "$redis" redis-cli XLEN events.subject || echo 0)"
  [ "$events" -gt 0 ] && break
  sleep 0.2
done
check "the subject's event is in Redis' stream events.subject" true "$([ "$events" -gt 0 ] && echo true)"

# A service crashes (its process SIGKILLed from outside: `docker kill` would count as a
# deliberate stop, which restart policies respect): its restart policy brings it back,
# healthy, and it serves again.
subject_container="$(compose ps -q subject-service)"
killed=$(date +%s%N)
kill -KILL "$(engine inspect --format '{{.State.Pid}}' "$subject_container")"
sleep 1
if ! wait_healthy 60; then
  echo "compose-test: FAILED: subject-service did not come back within 60 s" >&2
  failures=$((failures + 1))
fi
recovered_ms=$((($(date +%s%N) - killed) / 1000000))
check "the killed subject-service restarted" 1 \
  "$(engine inspect --format '{{.RestartCount}}' "$subject_container")"
check "and serves the subject again" CMP-101 \
  "$(curl -s -H "$auth" "$api/subjects/$subject" | jq -r .code)"
echo "compose-test: subject-service healthy again $((recovered_ms / 1000)).$((recovered_ms % 1000 / 100)) s after SIGKILL"

# Down, leaving nothing of the run.
compose down -v --remove-orphans >/dev/null 2>&1
label="com.docker.compose.project=$project"
check "no container left" 0 "$(engine ps -aq --filter "label=$label" | wc -l)"
check "no volume left" 0 "$(engine volume ls -q --filter "label=$label" | wc -l)"
check "no network left" 0 "$(engine network ls -q --filter "label=$label" | wc -l)"

if [ "$failures" -gt 0 ]; then
  echo "compose-test: $failures check(s) failed" >&2
  exit 1
fi
echo "compose-test: passed (start-up to healthy ${healthy_ms} ms, recovery ${recovered_ms} ms)"

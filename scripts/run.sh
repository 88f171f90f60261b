#!/usr/bin/env bash
# The run command: installs what is missing, builds the release binaries and runs the
# platform on its embedded defaults (SQLite files under var/). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
mkdir -p var
port="${SYL_HTTP_PORT:-8101}"
cat <<MSG

subject-service is starting on http://127.0.0.1:${port} (database var/subject-service.db).
Try it from another terminal:
  curl -s -X POST http://127.0.0.1:${port}/subjects -H 'Content-Type: application/json' \\
       -d '{"code":"CS-101","name":"Introduction to Programming","credits":6}'
  curl -s http://127.0.0.1:${port}/subjects
Stop it with Ctrl-C (SIGTERM works too: in-flight requests finish first).

MSG
exec build/release/services/subject-service/subject-service

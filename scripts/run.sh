#!/usr/bin/env bash
# The run command: installs what is missing, builds the release binaries and runs the
# platform on its embedded defaults under the sylctl launcher: a local Redis (unless one
# answers on 6379), the config-service (8100), the subject-, file- and syllabus-service
# (8101-8103) and the api-gateway (8080), each supervised (restarted if it crashes), logs
# in var/log/. Stop it with Ctrl-C. Arguments go to `sylctl up`: `scripts/run.sh --monitoring`
# also starts Prometheus and Alertmanager (docs/observability.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
cat <<'MSG'

Starting the platform (sylctl up): the api-gateway on 8080 in front of the services.
From another terminal, in this folder:
  TOKEN=$(build/release/tools/sylctl/sylctl token --sub alice --roles editor)
  curl -s -X POST http://127.0.0.1:8080/api/v1/subjects -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' \
       -d '{"code":"CS-101","name":"Introduction to Programming","credits":6}'
  curl -s http://127.0.0.1:8080/api/v1/subjects -H "Authorization: Bearer $TOKEN"
  open http://127.0.0.1:8080/docs             # every service's API
  build/release/tools/sylctl/sylctl status     # health of each service and the registry
  build/release/tools/sylctl/sylctl logs --request-id <X-Request-ID>
  build/release/tools/sylctl/sylctl trace --slowest 10    # the slowest requests' traces
Stop it with Ctrl-C: services finish their in-flight requests and deregister first.

MSG
exec build/release/tools/sylctl/sylctl up --foreground --build-dir build/release "$@"

#!/usr/bin/env bash
# Builds the platform's container images (Dockerfile, one target per service), tags each
# with the version and the git revision, and prints their sizes.
#   scripts/images.sh                 every image
#   scripts/images.sh api-gateway     some of them
#   scripts/images.sh --infra         the backing servers of deploy/compose (PostgreSQL,
#                                     Redis, S3, Prometheus, Alertmanager), from Debian
#                                     packages (deploy/compose/infra.Dockerfile)
# The images are built from the commit at HEAD (git archive), never from uncommitted
# changes: an image's revision label names exactly what is in it, and editing the tree
# while images build changes nothing.
# Engine: docker (DOCKER=podman for podman). When no dockerd answers, one is started for
# this machine's sandbox (host network only; lib/containers.sh). The base image,
# debian:bookworm-slim, is made locally from Debian packages when the engine lacks it:
# no image registry is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/containers.sh

# The backing servers and the tags deploy/compose/compose.yaml names.
declare -A infra_tags=([postgres]=15 [redis]=7 [s3]=3.7.1 [prometheus]=2.42 [alertmanager]=0.25)
infra=false
if [ "${1:-}" = --infra ]; then
  infra=true
  shift
fi
services=("$@")
if [ ${#services[@]} -eq 0 ]; then
  if $infra; then
    services=(postgres redis s3 prometheus alertmanager)
  else
    services=(config-service subject-service file-service syllabus-service api-gateway)
  fi
fi
version="$(sed -n 's/^project(syllabus_platform VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
[ -n "$version" ] || version="0.0.0"
revision="$(git rev-parse --short=12 HEAD)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  echo "images: uncommitted changes are not in the images (built from $revision)" >&2
fi
context="$(mktemp -d /tmp/syllabus-images.XXXXXX)"
trap 'rm -rf "$context"' EXIT
git archive HEAD | tar -x -C "$context"
# This machine's own certificate authorities (a TLS-inspecting proxy's, say), for the
# build stages that fetch from a package registry; never copied into an image.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$context/deploy/compose/ca-certificates/"
fi

ensure_engine
ensure_base_image

tag_of() { if $infra; then echo "${infra_tags[$1]}"; else echo "$version"; fi; }
for service in "${services[@]}"; do
  if $infra; then
    [ -n "${infra_tags[$service]:-}" ] || { echo "images: no backing server $service" >&2; exit 2; }
    echo "images: building $service ($(tag_of "$service"))" >&2
    engine_build --network=host -f "$context/deploy/compose/infra.Dockerfile" --target "$service" \
      -t "syllabus/$service:$(tag_of "$service")" "$context" >&2
    continue
  fi
  echo "images: building $service ($version, $revision)" >&2
  engine_build --network=host --target "$service" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" \
    -t "syllabus/$service:$version" -t "syllabus/$service:$revision" "$context" >&2
done

printf '%-18s %-14s %s\n' image tag size
for service in "${services[@]}"; do
  bytes="$(engine image inspect "syllabus/$service:$(tag_of "$service")" --format '{{.Size}}')"
  printf '%-18s %-14s %s MB\n' "syllabus/$service" "$(tag_of "$service")" "$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')"
done

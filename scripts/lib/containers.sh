# The container engine for scripts/images.sh and the compose test. Source it, then:
#   ensure_engine        docker answers (starting a dockerd for this sandbox when none
#                        runs: host network only, never touching the host's iptables)
#   ensure_base_image    debian:bookworm-slim exists (made with mmdebstrap from this
#                        machine's apt sources when missing)
#   engine ARGS...       docker (or $DOCKER) with ARGS
#   engine_build ARGS... `build` with what the engine needs for our Dockerfile
DOCKER="${DOCKER:-docker}"
# The legacy builder: there is no buildx here.
export DOCKER_BUILDKIT="${DOCKER_BUILDKIT:-0}"
engine() { "$DOCKER" "$@"; }
is_podman() { [ "$(basename "$DOCKER")" = podman ]; }
# podman writes OCI images unless told otherwise, and OCI has no HEALTHCHECK.
engine_build() {
  if is_podman; then engine build --format docker "$@"; else engine build "$@"; fi
}

# podman as Debian installs it fails every run in this sandbox (no CAP_SYS_RESOURCE,
# hybrid cgroups; DEPENDENCIES.md): the host's network, explicit ulimits and runc make it
# work. Only when the caller has no containers.conf of its own.
if is_podman && [ -z "${CONTAINERS_CONF:-}" ]; then
  mkdir -p var/podman
  cat >var/podman/containers.conf <<'CONF'
[containers]
netns = "host"
default_ulimits = ["nofile=16384:16384", "nproc=8192:8192"]

[engine]
runtime = "runc"
CONF
  CONTAINERS_CONF="$(pwd)/var/podman/containers.conf"
  export CONTAINERS_CONF
fi

ensure_engine() {
  if engine info >/dev/null 2>&1; then return 0; fi
  if [ "$DOCKER" != docker ]; then
    echo "containers: $DOCKER does not answer" >&2
    return 1
  fi
  command -v dockerd >/dev/null || { echo "containers: no dockerd (apt-get install docker.io)" >&2; return 1; }
  mkdir -p var/dockerd
  # No bridge, no NAT, no iptables: containers use the host's network, as this sandbox
  # allows (see DEPENDENCIES.md). The legacy builder: no buildx here.
  dockerd --iptables=false --ip6tables=false --ip-masq=false --bridge=none \
    --storage-driver=overlay2 >var/dockerd/dockerd.log 2>&1 &
  for _ in $(seq 1 100); do
    if engine info >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "containers: dockerd did not start; its log ends:" >&2
  tail -n 20 var/dockerd/dockerd.log >&2
  return 1
}

ensure_base_image() {
  if engine image inspect debian:bookworm-slim >/dev/null 2>&1; then return 0; fi
  command -v mmdebstrap >/dev/null || { echo "containers: no mmdebstrap (apt-get install mmdebstrap)" >&2; return 1; }
  local sources=/etc/apt/sources.list.d/debian.sources
  [ -f "$sources" ] || sources=/etc/apt/sources.list
  local rootfs
  rootfs="$(mktemp /tmp/bookworm-slim.XXXXXX.tar)"
  echo "containers: making debian:bookworm-slim from Debian packages (mmdebstrap)" >&2
  # minbase, without documentation, manuals and translations: what bookworm-slim drops.
  mmdebstrap --quiet --variant=minbase --mode=root \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$rootfs" "$sources"
  engine import --change 'CMD ["/bin/bash"]' "$rootfs" debian:bookworm-slim >/dev/null
  rm -f "$rootfs"
}

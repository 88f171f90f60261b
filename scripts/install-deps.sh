#!/usr/bin/env bash
# Installs every system dependency of the platform from Debian 12 packages: compilers and
# build tools, the libraries, and the servers that the tests and the launcher start
# (PostgreSQL 15, Redis 7, Prometheus, Alertmanager). Idempotent: installs only what is
# missing. --containers adds the container engine (dockerd) and mmdebstrap.
set -euo pipefail

PACKAGES=(
  # build
  g++ cmake ninja-build pkg-config ccache mold git clang-format clang-tidy
  # libraries (only versioned Boost 1.81 packages: the unversioned ones pull 1.74)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsoci-dev libsqlite3-dev libpq-dev libhiredis-dev libjwt-dev libssl-dev
  libspdlog-dev libcli11-dev libyaml-cpp-dev libcmark-dev zlib1g-dev libjemalloc-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql redis-server wrk nginx-light openssl curl jq procps
  # monitoring: the rules and routing in deploy/ are checked with promtool and amtool
  prometheus prometheus-alertmanager
  # the S3-compatible test server (s3rver) is an npm package
  nodejs
  # event contracts are checked with a real JSON Schema validator; the rules' and
  # dashboards' expressions are read by scripts/check-expressions.py
  python3 python3-jsonschema python3-yaml
  # deploy/compose is validated with docker-compose (scripts/check-compose.sh)
  docker-compose
)
# The compose end-to-end run (scripts/compose-test.sh, a second step of .ci/run) needs a
# container engine and a way to make its base image without a registry.
if [ "${1:-}" = --containers ]; then PACKAGES+=(docker.io mmdebstrap); fi
# npm: Debian packages it apart from nodejs, while NodeSource's nodejs bundles it and
# conflicts with Debian's npm; so it is asked for only when the command is missing.
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi
# kubectl builds the Kubernetes overlays (scripts/check-k8s.sh); any recent one will do,
# else Debian's (kubernetes-client).
if ! command -v kubectl >/dev/null 2>&1; then PACKAGES+=(kubernetes-client); fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

# Swagger UI's files for the gateway's /docs (npm, pinned in tools/swagger-ui).
install_swagger_ui() {
  local tool
  tool="$(cd "$(dirname "$0")/../tools/swagger-ui" && pwd)"
  if [ ! -f "$tool/node_modules/swagger-ui-dist/swagger-ui-bundle.js" ]; then
    (cd "$tool" && npm install --no-audit --no-fund --loglevel=error >/dev/null) ||
      echo "install-deps: npm install of swagger-ui-dist failed; /docs will say so" >&2
  fi
}

# Pact for the contract tests (npm, pinned in tools/pact): libpact_ffi and the verifier.
install_pact() {
  local tool
  tool="$(cd "$(dirname "$0")/../tools/pact" && pwd)"
  if [ ! -f "$tool/node_modules/@pact-foundation/pact-core-linux-x64-glibc/prebuilds/linux-x64/libpact_ffi.so" ] ||
     [ ! -x "$tool/node_modules/@pact-foundation/pact-cli-linux-x64/standalone/pact" ]; then
    (cd "$tool" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || {
      echo "install-deps: npm install of Pact failed; the contract tests cannot run" >&2
      return 1
    }
  fi
}

# The Kubernetes API schemas the manifests are validated against (npm, pinned in
# tools/k8s-validate).
install_k8s_validate() {
  local tool
  tool="$(cd "$(dirname "$0")/../tools/k8s-validate" && pwd)"
  if [ ! -d "$tool/node_modules/kubernetes-models" ] || [ ! -d "$tool/node_modules/yaml" ]; then
    (cd "$tool" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || {
      echo "install-deps: npm install of kubernetes-models failed; check-k8s cannot run" >&2
      return 1
    }
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_swagger_ui
  install_pact
  install_k8s_validate
  echo "install-deps: everything is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
# Debian's postinst scripts would start system-wide servers; the platform starts its own.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
echo "install-deps: done"
install_swagger_ui
install_pact
install_k8s_validate

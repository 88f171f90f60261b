#!/usr/bin/env bash
# Configures and builds one CMake preset: scripts/build.sh [debug|release|asan|ci] [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -- "$@"

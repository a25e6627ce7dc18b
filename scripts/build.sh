#!/usr/bin/env bash
# Configures and builds molsieve into build/ (Release, ccache, two parallel jobs).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${MOLSIEVE_BUILD_JOBS:-2}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
fi
cmake --build build -j "$jobs"

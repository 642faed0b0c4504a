#!/usr/bin/env bash
# Configures and builds Easel in ./build (Ninja, ccache, warnings as errors). Extra arguments are ninja targets.
set -euo pipefail
cd "$(dirname "$0")/.."
# Paths under the checkout are hashed relative to it, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="$(pwd)"
bash scripts/build-web.sh  # web/dist, embedded into `easel serve` by the CMake build (docs/web.md)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEASEL_WERROR=ON > build-configure.log 2>&1 || {
  cat build-configure.log; exit 1; }
rm -f build-configure.log
ninja -C build "$@"

#!/usr/bin/env bash
# Installs what is needed, builds everything, runs the whole test suite, then the fuzz targets for a
# bounded time. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-segmentation-model.sh all   # U²-Net-p (the default) and the optional AGPL-3.0 ISNet; their tests need both
bash scripts/install-test-clients.sh   # the official openai npm client for tests/serve
bash scripts/check-format.sh           # the C++ follows .clang-format
bash scripts/check-layers.sh           # no import cycle between src/easel folders; torch only in diffusion/
bash scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 900 -j2
bash scripts/fuzz.sh "${EASEL_FUZZ_SECONDS:-60}"

#!/usr/bin/env bash
# Installs the official client libraries the server's end-to-end tests drive (tests/serve), from the
# npm registry, into a cache folder outside the repository (nothing is vendored). Idempotent: when the
# pinned version is already there it does nothing (no network access).
#   EASEL_TEST_CLIENTS  install folder (default ~/.cache/easel/test-clients)
set -euo pipefail

folder="${EASEL_TEST_CLIENTS:-${XDG_CACHE_HOME:-$HOME/.cache}/easel/test-clients}"
openai_version="7.57.0"   # the `openai` npm package: client.images.edit(...) against `easel serve`

installed="$(node -p "require('$folder/node_modules/openai/package.json').version" 2>/dev/null || true)"
if [ "$installed" = "$openai_version" ]; then
  echo "install-test-clients: openai $openai_version already in $folder"
  exit 0
fi
mkdir -p "$folder"
echo "install-test-clients: installing openai@$openai_version into $folder"
npm install --prefix "$folder" --no-audit --no-fund --loglevel=error "openai@$openai_version"

#!/usr/bin/env bash
# Builds the web workspace (web/) into web/dist, which the CMake build embeds into `easel serve`
# (docs/web.md). Dependencies come from web/package-lock.json through `npm ci`, skipped while the lock
# file is unchanged (no network then); the Vite build is skipped while no source changed.
# Without npm it prints how to get it and exits 0: the binary then answers `/` with that advice.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm > /dev/null; then
  echo "build-web: npm not found; the web workspace is left out (install Node.js 20+ and npm, then rerun)" >&2
  exit 0
fi

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
lock_stamp="node_modules/.easel-lock-sha256"
if [ "$(cat "$lock_stamp" 2> /dev/null || true)" != "$lock_hash" ]; then
  echo "build-web: npm ci (web/package-lock.json changed)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$lock_stamp"
fi

sources_hash="$(cat package-lock.json index.html tsconfig.json vite.config.ts $(find src public -type f | LC_ALL=C sort) | sha256sum | cut -d' ' -f1)"
dist_stamp="node_modules/.easel-dist-sha256"
if [ -f dist/index.html ] && [ "$(cat "$dist_stamp" 2> /dev/null || true)" = "$sources_hash" ]; then
  echo "build-web: web/dist is up to date"
  exit 0
fi
echo "build-web: type-checking and building web/dist"
npx --no-install tsc --noEmit
npx --no-install vite build --logLevel warn
echo "$sources_hash" > "$dist_stamp"

#!/usr/bin/env bash
# Fails when the folders of src/easel import each other in a cycle, or when LibTorch is included outside
# src/easel/diffusion (docs/architecture.md, "Layers"). The folder graph comes from the #include lines
# themselves; tsort finds a cycle and prints the folders in a valid layer order otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
edges=$(for folder in src/easel/*/; do
  name=$(basename "$folder")
  grep -rhoE '#include "easel/[a-z_]+/' "$folder" | sed -E 's#.*"easel/([a-z_]+)/#\1#' | sort -u |
    while read -r used; do [ "$used" != "$name" ] && echo "$used $name"; done
  echo "$name $name"
done)
if ! order=$(echo "$edges" | tsort 2>/tmp/easel-layers.$$); then
  cat /tmp/easel-layers.$$ >&2
  rm -f /tmp/easel-layers.$$
  echo "check-layers: the folders above import each other in a cycle" >&2
  exit 1
fi
rm -f /tmp/easel-layers.$$
torch=$(grep -rlE '#include <(torch|ATen|c10)/' src --include='*.?pp' | grep -v '^src/easel/diffusion/' || true)
if [ -n "$torch" ]; then
  echo "check-layers: LibTorch included outside src/easel/diffusion: $torch" >&2
  exit 1
fi
echo "check-layers: no import cycle; layers from the bottom: $(echo $order)"

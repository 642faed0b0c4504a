#!/usr/bin/env bash
# Installs what is needed, builds the `easel` binary, and runs the bundled default job: an instruction
# edit of a real photograph (coffee.png from Debian's python3-skimage), writing the result and its report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh easel > /dev/null
mkdir -p demo-output
./build/easel edit /usr/lib/python3/dist-packages/skimage/data/coffee.png \
  -p "increase the contrast, make the left half warmer, then crop to 16:9" \
  -o demo-output/coffee-edited.png --report demo-output/coffee-report.json
echo "result: $(pwd)/demo-output/coffee-edited.png"
echo "report: $(pwd)/demo-output/coffee-report.json"

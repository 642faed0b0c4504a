#!/usr/bin/env bash
# Installs what is needed, builds the `easel` binary, and runs the bundled default job: an instruction
# edit of a real photograph (coffee.png from Debian's python3-skimage), writing the result and its report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The build's progress goes to a log; when it fails, the end of that log (the compiler's or CMake's error)
# is shown, so a failed first command always says why.
echo "demo: building build/easel (a first build takes about 10 minutes on 2 cores; log in build-demo.log)"
if ! bash scripts/build.sh easel > build-demo.log 2>&1; then
  echo "demo: the build failed; the end of build-demo.log:" >&2
  tail -n 60 build-demo.log >&2
  exit 1
fi
rm -f build-demo.log
mkdir -p demo-output
./build/easel edit /usr/lib/python3/dist-packages/skimage/data/coffee.png \
  -p "increase the contrast, make the left half warmer, then crop to 16:9" \
  -o demo-output/coffee-edited.png --report demo-output/coffee-report.json
echo "result: $(pwd)/demo-output/coffee-edited.png"
echo "report: $(pwd)/demo-output/coffee-report.json"

#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in ./build-fuzz and runs each for N seconds
# (default 60) from a seed corpus of real files. Any crash fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
# Paths under the checkout are hashed relative to it, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="$(pwd)"
root=$(pwd)
seconds="${1:-60}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEASEL_FUZZ=ON > /dev/null
ninja -C build-fuzz
photos=/usr/lib/python3/dist-packages/skimage/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/images" "$work/plans"
for f in coffee.png green_palette.png camera.png rocket.jpg; do cp "$photos/$f" "$work/images/"; done
./build/easel plan "increase the contrast, make the left half warmer, then crop to 16:9" --json > "$work/plans/seed.json" 2>/dev/null ||
  echo '{"steps": [{"op": "color.adjust", "params": {"contrast": 0.2}}]}' > "$work/plans/seed.json"

run_target() {
  local target=$1 corpus=$2 log="$work/$1.log"
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$work" && "$root/build-fuzz/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=4096 \
          -print_final_stats=1 "$corpus" > "$log" 2>&1); then
    echo "fuzz: $target failed:"
    grep -E -A30 'ERROR|terminate called|what\(\)' "$log" | head -60
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log"
}
run_target fuzz_decode_image "$work/images"
run_target fuzz_edit_plan "$work/plans"
mkdir -p "$work/instructions"
# Seeds: the instruction corpus, one file per line.
grep -v '^#' tests/data/instructions/corpus.jsonl | python3 -c '
import json, sys, pathlib
for i, line in enumerate(sys.stdin):
    pathlib.Path(sys.argv[1], f"{i}.txt").write_text(json.loads(line)["instruction"])' "$work/instructions"
run_target fuzz_planner "$work/instructions"
mkdir -p "$work/requests"
# Seeds: the first byte picks the reading (0 form fields, 1 job item JSON, 2 generations JSON).
printf '\x00prompt=make it black and white\nmodel=gpt-image-1\nsize=512x512\nn=2\nimage=\x89PNG\n' > "$work/requests/form"
printf '\x01{"prompt": "increase the contrast", "image": "data:image/png;base64,iVBORw0KGgo=", "output_format": "webp"}' > "$work/requests/job"
printf '\x02{"prompt": "a red bicycle", "size": "64x64", "seed": 1234, "steps": "2", "guidance_scale": 7.5, "sampler": "euler"}' > "$work/requests/generate"
run_target fuzz_image_request "$work/requests"
if [ -x build-fuzz/fuzz/fuzz_safetensors ]; then
  mkdir -p "$work/safetensors"
  reference="${EASEL_REFERENCE_DIR:-../shared/reference}"
  cp "$reference/sd/goldens/unet_sd1.safetensors" "$work/safetensors/" 2>/dev/null || true
  run_target fuzz_safetensors "$work/safetensors"
fi
echo "fuzz: no crashes"

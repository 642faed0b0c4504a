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
# Seeds for the model-file readers, made from ../shared/reference at run time (never committed): a small
# file, the same with overlapping and aliased tensor ranges, and a golden; every config the loaders read
# (its reader's byte first, as fuzz/fuzz_model_config.cpp takes them), sidecars, and the single files'
# headers alone and after a sidecar.
mkdir -p "$work/safetensors" "$work/configs"
reference="${EASEL_REFERENCE_DIR:-../shared/reference}"
cp "$reference/sd/goldens/unet_sd1.safetensors" "$work/safetensors/" 2>/dev/null || true
python3 - "$reference/sd" "$work/safetensors" "$work/configs" <<'PYTHON'
import json, pathlib, struct, sys
sd, tensors, configs = map(pathlib.Path, sys.argv[1:])
def safetensors(offsets):
    header = {name: {"dtype": "F32", "shape": [(end - begin) // 4], "data_offsets": [begin, end]} for name, (begin, end) in offsets.items()}
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + struct.pack("<4f", 1, 2, 3, 4)
(tensors / "valid").write_bytes(safetensors({"a": (0, 8), "b": (8, 16)}))
(tensors / "overlapping").write_bytes(safetensors({"a": (0, 8), "b": (4, 12)}))
(tensors / "aliased").write_bytes(safetensors({"a": (0, 8), "b": (0, 8)}))
sidecar = {"text_encoder": {"num_attention_heads": 4}, "unet": {"norm_num_groups": 8, "attention_head_dim": [4, 4]},
           "vae": {"norm_num_groups": 8, "scaling_factor": 0.18215}, "scheduler": {"_class_name": "EulerDiscreteScheduler"},
           "tokenizer": "../tokenizer", "base": "sd1", "_comment": "fuzz seed"}
(configs / "sidecar").write_bytes(bytes([5]) + json.dumps(sidecar).encode())
(configs / "folder-sidecar").write_bytes(bytes([6]) + b'{"base": "../sd1"}')
readers = {0: "*/text_encoder/config.json", 1: "*/unet/config.json", 2: "*/vae/config.json", 3: "*/scheduler/scheduler_config.json",
           4: "*/model_index.json", 7: "*/tokenizer/special_tokens_map.json"}
models = sd / "models"
for reader, pattern in readers.items():
    for file in sorted(models.glob(pattern)):
        (configs / (f"{reader}-" + "-".join(file.relative_to(models).parts))).write_bytes(bytes([reader]) + file.read_bytes())
for file in sorted(models.glob("sd2/scheduler_variants/*.json")):
    (configs / f"3-{file.stem}").write_bytes(bytes([3]) + file.read_bytes())
for file in sorted(models.glob("*.safetensors")):
    raw = file.read_bytes()
    header = raw[8:8 + struct.unpack("<Q", raw[:8])[0]]
    (configs / f"8-{file.stem}").write_bytes(bytes([8]) + header)
    (configs / f"9-{file.stem}").write_bytes(bytes([9]) + json.dumps(sidecar).encode() + b"\0" + header)
PYTHON
run_target fuzz_safetensors "$work/safetensors"
run_target fuzz_model_config "$work/configs"
echo "fuzz: no crashes"

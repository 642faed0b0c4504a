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
# Seeds: the first byte picks the reading (0 raw HTTP through the server's edge, 1 form fields, 2 job item
# JSON, 3 generations JSON, 4 generation settings, 5 variation form fields).
python3 - "$work/requests" <<'SEEDS'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
def http(name, head, body=b""):
    (out / name).write_bytes(b"\x00" + b"\r\n".join(head) + b"\r\n\r\n" + body)
form = (b'--XyZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nmake it warmer\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n')
http("http_multipart", [b"POST /v1/images/edits HTTP/1.1", b"Host: 127.0.0.1", b"Authorization: Bearer sk-fuzz-key-1",
     b"Content-Type: multipart/form-data; boundary=XyZ", b"Content-Length: %d" % len(form)], form)
job = b'{"prompt": "brighten", "n": 1}'
http("http_chunked", [b"POST /v1/jobs HTTP/1.1", b"Host: 127.0.0.1", b"authorization: bearer sk-fuzz-key-1", b"Idempotency-Key: shoot-42",
     b"Content-Type: application/json", b"Transfer-Encoding: chunked"], b"%x\r\n%s\r\n0\r\n\r\n" % (len(job), job))
deep = b"[" * 80 + b"]" * 80
http("http_deep", [b"POST /v1/images/generations HTTP/1.1", b"Host: 127.0.0.1", b"Idempotency-Key: caf\xc3\xa9-\xff",
     b"Content-Type: application/json", b"Content-Length: %d" % len(deep)], deep)
http("http_bad_utf8_field", [b"POST /v1/images/variations HTTP/1.1", b"Authorization: Bearer sk-fuzz-key-1", b"Authorization: Bearer x",
     b"Content-Type: multipart/form-data; boundary=XyZ", b"Transfer-Encoding: chunked"],
     b"%x\r\n%s\r\n0\r\n\r\n" % (len(form), form.replace(b"prompt", b"pr\xffmpt")))
import gzip
bomb = gzip.compress(b'{"prompt": "' + b"a" * 100000 + b'"}')
http("http_gzip", [b"POST /v1/jobs HTTP/1.1", b"Content-Type: application/json", b"Content-Encoding: gzip",
     b"Content-Length: %d" % len(bomb)], bomb)
SEEDS
printf '\x01prompt=make it black and white\nmodel=gpt-image-1\nsize=512x512\nn=2\nquality=\xff\xfe\nimage=\x89PNG\n' > "$work/requests/form"
printf '\x02{"prompt": "increase the contrast", "image": "data:image/png;base64,iVBORw0KGgo=", "output_format": "webp", "plan": {"steps": [[[[]]]]}}' > "$work/requests/job"
printf '\x03{"prompt": "a red bicycle", "size": "64x64", "seed": 1234, "steps": "2", "guidance_scale": 7.5, "sampler": "euler"}' > "$work/requests/generate"
printf '\x04{"model": "sd-turbo", "seed": "7", "sampler": "lcm", "negative_prompt": "blur"}' > "$work/requests/settings"
printf '\x05prompt=a cat\nstrength=0.4\nseed=\xc3\x28\nimage=\x89PNG\n' > "$work/requests/variation"
run_target fuzz_image_request "$work/requests"
# Seeds for the model-file readers, made from ../shared/reference at run time (never committed): a small
# file, the same with overlapping and aliased tensor ranges, and a golden; every config the loaders read
# (its reader's byte first, as fuzz/fuzz_model_config.cpp takes them), sidecars, and the single files'
# headers alone and after a sidecar.
mkdir -p "$work/safetensors" "$work/configs"
reference="${EASEL_REFERENCE_DIR:-../shared/reference}"
cp "$reference/sd/goldens/unet_sd1.safetensors" "$work/safetensors/" 2>/dev/null || true
# LoRA files in the kohya and PEFT namings, for the LoRA name parser
cp "$reference/lora/loras/sd1_locon_kohya.safetensors" "$reference/lora/loras/sd1_lora_peft.safetensors" "$work/safetensors/" 2>/dev/null || true
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
